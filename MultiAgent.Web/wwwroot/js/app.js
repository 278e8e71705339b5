// Browser-side helpers of the Web app, imported as an ES module by the components that need them.

// The layout calls this once the circuit has rendered: from then on clicks reach the server (tests wait for it too).
export function markInteractive() {
    document.body.setAttribute("data-interactive", "true");
}

// The viewer's time zone (an IANA name such as "Europe/Paris"): the Web shows times in it.
export function timeZone() {
    try {
        return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
    } catch {
        return null;
    }
}

const drafts = new WeakMap();

// The new-task form keeps what is typed in the browser (localStorage, per user) and counts characters here, so neither
// depends on the live connection: the text reaches the server once, on "change", never keystroke by keystroke.
// options: { key, fields: [ids], counter: { field, output, min, max }, notice, pasteNotice }
export function attachDraft(form, options) {
    if (!form || drafts.has(form)) {
        return;
    }

    const fields = options.fields.map(id => form.querySelector("#" + id)).filter(f => f);
    const counted = form.querySelector("#" + options.counter.field);
    const output = form.querySelector("#" + options.counter.output);
    const notice = form.querySelector("#" + options.notice);
    const pasteNotice = form.querySelector("#" + options.pasteNotice);
    const max = options.counter.max;
    const min = options.counter.min;

    const showCount = () => {
        if (!counted || !output) {
            return;
        }
        const length = counted.value.trim().length;
        let text = `${length.toLocaleString("en-US")} / ${max.toLocaleString("en-US")} characters`;
        if (length < min) {
            text += ` — at least ${min} needed`;
        } else if (length > max) {
            text += ` — ${(length - max).toLocaleString("en-US")} over the limit`;
        }
        output.textContent = text;
        output.classList.toggle("hint-ok", length >= min && length <= max);
        output.classList.toggle("hint-error", length > max);
    };

    // Saved at once on every input (a few KB into localStorage is cheap): a timer could lose a paste followed by a click away.
    const save = () => {
        const draft = {};
        for (const field of fields) {
            draft[field.id] = field.value;
        }
        try {
            if (fields.some(f => f.value.trim().length > 0)) {
                localStorage.setItem(options.key, JSON.stringify(draft));
            } else {
                localStorage.removeItem(options.key);
            }
        } catch {
            // Storage full or disabled: the form still works, only the draft is not kept.
        }
    };

    // Restore a draft into empty fields, and tell Blazor ("change") so the server's form model has it too.
    let draft = null;
    try {
        draft = JSON.parse(localStorage.getItem(options.key) || "null");
    } catch {
        draft = null;
    }
    if (draft) {
        for (const field of fields) {
            const value = draft[field.id];
            if (typeof value === "string" && value.length > 0 && field.value.length === 0) {
                const limit = field.maxLength > 0 ? field.maxLength : value.length;
                field.value = value.slice(0, limit);
                field.dispatchEvent(new Event("change", { bubbles: true }));
            }
        }
        if (notice && fields.some(f => f.value.length > 0)) {
            notice.textContent = "Your unsent draft was restored.";
            notice.hidden = false;
        }
    }

    for (const field of fields) {
        field.addEventListener("input", () => { showCount(); save(); });
    }

    // A paste longer than the room left is cut by maxlength; say so instead of dropping the rest silently.
    if (counted && pasteNotice) {
        counted.addEventListener("paste", event => {
            const pasted = (event.clipboardData || window.clipboardData)?.getData("text") ?? "";
            const room = max - (counted.value.length - (counted.selectionEnd - counted.selectionStart));
            if (pasted.length > room) {
                const left = pasted.length - Math.max(room, 0);
                pasteNotice.textContent = `The pasted text was cut at the ${max.toLocaleString("en-US")}-character limit: its last ${left.toLocaleString("en-US")} characters were not added.`;
                pasteNotice.hidden = false;
            }
        });
    }

    drafts.set(form, { save });
    showCount();
    form.setAttribute("data-draft", "ready");
}

export function clearDraft(key) {
    try {
        localStorage.removeItem(key);
    } catch {
        // nothing kept, nothing to clear
    }
}

// Copies text to the clipboard; false when the browser refuses (no permission, not a secure page).
export async function copyText(text) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        return false;
    }
}
