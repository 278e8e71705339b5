using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace MultiAgent.Web.Services;

/// <summary>
/// Renders model-written markdown as HTML that is safe to put on the page: raw HTML is escaped, and links and
/// images may only point to http(s), mailto or relative addresses.
/// </summary>
public static class MarkdownRenderer
{
    // No UseAdvancedExtensions: its generic-attributes extension would let the text set any HTML attribute (onclick=...).
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseListExtras()
        .UseTaskLists()
        .UseAutoLinks()
        .Build();

    public static string ToHtml(string? markdown)
    {
        var document = Markdown.Parse(markdown ?? "", Pipeline);

        // An unsafe link or image keeps its text and loses its target.
        foreach (var link in document.Descendants<LinkInline>().Where(l => !IsSafeUrl(l.Url)).ToList())
        {
            var text = string.Concat(link.Descendants<LiteralInline>().Select(l => l.Content.ToString()));
            link.ReplaceBy(new LiteralInline(text), copyChildren: false);
        }
        foreach (var autolink in document.Descendants<AutolinkInline>().Where(l => !l.IsEmail && !IsSafeUrl(l.Url)).ToList())
        {
            autolink.ReplaceBy(new LiteralInline(autolink.Url), copyChildren: false);
        }

        return document.ToHtml(Pipeline);
    }

    public static bool IsSafeUrl(string? url)
    {
        url = url?.Trim();
        if (string.IsNullOrEmpty(url) || url[0] is '/' or '#' or '?')
        {
            return true;
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? uri.Scheme is "http" or "https" or "mailto"
            : !url.Contains(':', StringComparison.Ordinal);
    }
}
