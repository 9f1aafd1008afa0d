namespace Livt.Data;

/// <summary>
/// Which images of each class a long-tailed subset keeps (the counts come from <see cref="LongTail.Counts"/>
/// either way). The published CIFAR-LT numbers use one fixed draw, so the choice changes the training set a
/// result is compared against.
/// </summary>
public enum LongTailSplit
{
    /// <summary>Livt's own: each class shuffled by a generator seeded from (run seed, class), so one class's
    /// choice does not depend on the others'. The Fashion-MNIST-LT default.</summary>
    Livt,

    /// <summary>The LDAM-DRW generator that LiVT's, SADE's, BCL's and most CIFAR-LT code copies:
    /// <c>np.random.seed(0)</c>, then class by class <c>np.random.shuffle</c> of that class's indices, the
    /// first n_c kept. The CIFAR-10-LT / CIFAR-100-LT default.</summary>
    Ldam,

    /// <summary>Cui et al.'s (class-balanced loss) generator: class by class Python <c>random.shuffle</c> of
    /// that class's indices, the first n_c kept, after <c>random.seed(0)</c>. Their published files were
    /// drawn unseeded, so no seed reproduces those exactly.</summary>
    Cui,
}
