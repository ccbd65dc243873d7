namespace FedActors.Attacks;

/// <summary>What the coalition knows when it forges.</summary>
public enum AdversaryKnowledge
{
    /// <summary>Only the honest gradients its members compute on their own data (as A Little Is Enough assumes).</summary>
    Own,

    /// <summary>Every honest gradient of the round as well, tapped to it by the coordinator (the Byzantine gradient
    /// descent papers' adversary with complete knowledge of the system).</summary>
    Omniscient,
}

/// <summary>Whether the Byzantine ids stay the same for a whole run or are redrawn every round.</summary>
public enum Membership
{
    /// <summary>The same <c>workers.byzantine</c> ids in every round.</summary>
    Static,

    /// <summary>A fresh set every round: faulty machines may change across iterations (the block-coordinate GM paper's model).</summary>
    Dynamic,
}

/// <summary>
/// Which worker ids are Byzantine in which round: the ground truth every actor asks, so that workers, coalition and
/// coordinator agree without telling each other. Each round's set is a uniform draw of <see cref="Byzantine"/> ids by a
/// partial Fisher-Yates shuffle of a stream that depends on the round only (round 0 for static membership), so a run
/// repeats its sets exactly whatever the scheduling.
/// </summary>
/// <remarks>Thread-safe: worker actors of a dynamic run ask concurrently; the latest rounds' draws are cached.</remarks>
public sealed class ByzantineRoster
{
    private const int CachedRounds = 4;

    private readonly Func<int, Random> _randomForRound;
    private readonly bool[] _static;
    private readonly Dictionary<int, bool[]> _cache = new();
    private readonly Lock _lock = new();

    /// <param name="randomForRound">The stream a round's draw uses; the simulator passes its seeded per-round stream.</param>
    public ByzantineRoster(int workers, int byzantine, Membership membership, Func<int, Random> randomForRound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        if (byzantine < 0 || byzantine > workers)
            throw new ArgumentOutOfRangeException(nameof(byzantine), byzantine, $"between 0 and the {workers} workers");
        ArgumentNullException.ThrowIfNull(randomForRound);
        Workers = workers;
        Byzantine = byzantine;
        Membership = membership;
        _randomForRound = randomForRound;
        _static = Draw(0);
    }

    /// <summary>A run where nobody is Byzantine.</summary>
    public static ByzantineRoster Honest(int workers) => new(workers, 0, Membership.Static, _ => new Random(0));

    /// <summary>Static membership with the given flags (a test's or a notebook's hand-picked ids).</summary>
    public static ByzantineRoster Fixed(IReadOnlyList<bool> flags) => new(flags.ToArray());

    private ByzantineRoster(bool[] flags)
    {
        ArgumentOutOfRangeException.ThrowIfZero(flags.Length);
        Workers = flags.Length;
        Byzantine = flags.Count(flag => flag);
        Membership = Membership.Static;
        _randomForRound = _ => throw new InvalidOperationException("a fixed roster draws nothing");
        _static = flags;
    }

    public int Workers { get; }

    public int Byzantine { get; }

    public Membership Membership { get; }

    /// <summary>Whether <paramref name="workerId"/> may be Byzantine in some round: decides which actor type it gets.</summary>
    public bool CanBeByzantine(int workerId) =>
        Membership == Membership.Dynamic ? Byzantine > 0 : _static[workerId];

    public bool IsByzantine(int workerId, int round) => FlagArray(round)[workerId];

    /// <summary>The Byzantine ids of a round, ascending.</summary>
    public int[] Members(int round)
    {
        var flags = FlagArray(round);
        var ids = new int[Byzantine];
        var next = 0;
        for (var id = 0; id < flags.Length; id++)
        {
            if (flags[id])
                ids[next++] = id;
        }
        return ids;
    }

    /// <summary>One flag per worker id for a round; the caller must not write to it.</summary>
    public IReadOnlyList<bool> Flags(int round) => FlagArray(round);

    private bool[] FlagArray(int round)
    {
        if (Membership == Membership.Static)
            return _static;
        lock (_lock)
        {
            if (_cache.TryGetValue(round, out var flags))
                return flags;
            flags = Draw(round);
            if (_cache.Count >= CachedRounds)
                _cache.Remove(_cache.Keys.Min());
            _cache.Add(round, flags);
            return flags;
        }
    }

    private bool[] Draw(int round)
    {
        var ids = new int[Workers];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = i;
        var random = _randomForRound(round);
        var flags = new bool[Workers];
        for (var i = 0; i < Byzantine; i++)
        {
            var j = i + random.Next(Workers - i);
            (ids[i], ids[j]) = (ids[j], ids[i]);
            flags[ids[i]] = true;
        }
        return flags;
    }
}
