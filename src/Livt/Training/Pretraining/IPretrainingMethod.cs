using Livt.Configuration;

namespace Livt.Training.Pretraining;

/// <summary>
/// One self-supervised method of <c>livt pretrain --method</c>, as <see cref="PretrainingMethods"/> registers it:
/// its name, the rules it adds to the run spec, the views its loader makes of every image, and the objective it
/// trains. A method lives in its own folder beside this file and reaches the rest of Livt only through these.
/// </summary>
internal interface IPretrainingMethod
{
    /// <summary>The <c>--method</c> value ("moco-v3"), also recorded in the run's model file.</summary>
    string Name { get; }

    /// <summary>One line for the run's opening message and the docs: what it trains, after which official code.</summary>
    string Summary { get; }

    /// <summary>The run's opening message: <see cref="Summary"/> with the run's own values where the summary
    /// names a flag.</summary>
    string Describe(TrainConfig config) => Summary;

    /// <summary>The method settings it reads (<see cref="TrainConfig"/> property names among
    /// <see cref="PretrainingMethods.MethodSettings"/>); the others must be left unset.</summary>
    IReadOnlyCollection<string> Settings { get; }

    /// <summary>Checks the ranges of the settings it reads.</summary>
    /// <exception cref="LivtException">A setting out of range, naming the flag.</exception>
    void Check(TrainConfig config);

    /// <summary>The normalisation the method needs, when it is not the dataset's (MimCo: its teacher's); null otherwise.</summary>
    (float[] Mean, float[] Std)? Normalization(TrainConfig config) => null;

    /// <summary>The augmentation of every training image: one view, or the method's several.</summary>
    PretrainingViews Views(TrainConfig config, int inputSize, float[] mean, float[] std);

    /// <summary>Builds the objective (model, optimizer, bf16 copy) for a run.</summary>
    IPretrainingObjective Create(PretrainingSetup setup);
}
