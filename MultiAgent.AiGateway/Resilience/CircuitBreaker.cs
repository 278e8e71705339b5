namespace MultiAgent.AiGateway.Resilience;

public enum BreakerState
{
    Closed,
    Open,
    HalfOpen,
}

/// <summary>What the breaker lets a call do.</summary>
public enum BreakerPermit
{
    /// <summary>Not now: the breaker is open, or another call is already probing.</summary>
    Rejected,

    /// <summary>Go ahead (closed).</summary>
    Allowed,

    /// <summary>Go ahead as the one probe of a half-open breaker; its outcome closes or reopens the breaker.</summary>
    Probe,
}

/// <summary>
/// A circuit breaker for one provider, in this replica: <see cref="FailureThreshold"/> consecutive failures open it; after
/// <see cref="BreakDuration"/> one probe call is let through (half-open); the probe's success closes it, its failure opens
/// it again for another break. Thread-safe; time from a <see cref="TimeProvider"/>.
/// </summary>
public sealed class CircuitBreaker(int failureThreshold, TimeSpan breakDuration, TimeProvider time)
{
    private readonly Lock _lock = new();
    private BreakerState _state = BreakerState.Closed;
    private int _failures;
    private DateTimeOffset _openUntil;
    private bool _probeInFlight;

    public int FailureThreshold { get; } = Math.Max(1, failureThreshold);

    public TimeSpan BreakDuration { get; } = breakDuration;

    public BreakerState State
    {
        get
        {
            lock (_lock)
            {
                return _state == BreakerState.Open && time.GetUtcNow() >= _openUntil ? BreakerState.HalfOpen : _state;
            }
        }
    }

    /// <summary>How long until an open breaker lets a probe through (zero when it is not open).</summary>
    public TimeSpan RetryAfter
    {
        get
        {
            lock (_lock)
            {
                var left = _openUntil - time.GetUtcNow();
                return _state == BreakerState.Closed || left < TimeSpan.Zero ? TimeSpan.Zero : left;
            }
        }
    }

    public BreakerPermit TryAcquire()
    {
        lock (_lock)
        {
            switch (_state)
            {
                case BreakerState.Closed:
                    return BreakerPermit.Allowed;
                case BreakerState.Open when time.GetUtcNow() < _openUntil:
                    return BreakerPermit.Rejected;
                default:
                    // Open and the break is over, or half-open: one probe at a time.
                    if (_probeInFlight) return BreakerPermit.Rejected;
                    _state = BreakerState.HalfOpen;
                    _probeInFlight = true;
                    return BreakerPermit.Probe;
            }
        }
    }

    public void OnSuccess(BreakerPermit permit)
    {
        lock (_lock)
        {
            _failures = 0;
            if (permit == BreakerPermit.Probe || _state == BreakerState.HalfOpen)
            {
                _state = BreakerState.Closed;
                _probeInFlight = false;
            }
        }
    }

    public void OnFailure(BreakerPermit permit)
    {
        lock (_lock)
        {
            if (permit == BreakerPermit.Probe || _state == BreakerState.HalfOpen)
            {
                Open();
                return;
            }

            if (_state == BreakerState.Closed && ++_failures >= FailureThreshold)
            {
                Open();
            }
        }
    }

    /// <summary>The call ended without telling anything about the provider (cancelled, or refused for a reason of our own).</summary>
    public void OnIgnored(BreakerPermit permit)
    {
        if (permit != BreakerPermit.Probe) return;
        lock (_lock)
        {
            _probeInFlight = false;
        }
    }

    private void Open()
    {
        _state = BreakerState.Open;
        _openUntil = time.GetUtcNow() + BreakDuration;
        _failures = 0;
        _probeInFlight = false;
    }
}
