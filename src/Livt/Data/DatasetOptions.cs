namespace Livt.Data;

/// <summary>Which dataset to load and how (see <see cref="DatasetCatalog"/>).</summary>
public sealed record DatasetOptions
{
    /// <summary>fashion-mnist-lt | cifar10-lt | cifar100-lt | imagefolder | list.</summary>
    public string Name { get; init; } = "fashion-mnist-lt";

    /// <summary>Where the data is; for imagefolder the tree root, for list the root image paths are relative to.
    /// Null: the built-in sets are looked for in <c>$LIVT_DATA</c>, the system folder and the download cache.</summary>
    public string? DataDir { get; init; }

    /// <summary>Imbalance factor n_max / n_min of the built long-tailed training split (built-in sets only; 1 = balanced).</summary>
    public double Imbalance { get; init; } = 100;

    /// <summary>Shape of the long tail (built-in sets only).</summary>
    public LongTailProfile Profile { get; init; } = LongTailProfile.Exp;

    /// <summary>Which images of each class the long-tailed subset keeps (built-in sets only); null: the
    /// dataset's default (<see cref="DatasetCatalog.DefaultSplit"/>).</summary>
    public LongTailSplit? Split { get; init; }

    /// <summary>Seed of the per-class choice of the long-tailed subset (<see cref="LongTailSplit.Livt"/> only:
    /// the published generators always start from seed 0).</summary>
    public int Seed { get; init; }

    /// <summary>For list: the training list file: as given (absolute, or relative to the current
    /// folder) when it exists there, else relative to <see cref="DataDir"/>.</summary>
    public string? TrainList { get; init; }

    /// <summary>For list: the test list file, found like <see cref="TrainList"/>.</summary>
    public string? TestList { get; init; }

    /// <summary>For list: the validation list file, if the dataset ships one (ImageNet-LT, iNaturalist 2018, Places-LT).</summary>
    public string? ValList { get; init; }

    /// <summary>Skip unreadable images instead of failing; pass it on as <see cref="LoaderOptions.SkipCorrupt"/>.</summary>
    public bool SkipCorrupt { get; init; }

    /// <summary>Download a built-in set into the cache when it is not found locally.</summary>
    public bool AllowDownload { get; init; } = true;
}
