using Livt.Augmentation;
using Livt.Configuration;
using Livt.Engine;
using Livt.Interop;
using Livt.Models;
using Livt.Optimization;
using Livt.Training.Contrastive;
using Livt.Training.Pretraining.Shared;
using TorchSharp;
using static TorchSharp.torch;

namespace Livt.Training.Pretraining.MimCo;

/// <summary>
/// MimCo (Zhou et al., "MimCo: Masked Image Modeling Pre-training with Contrastive Teacher", 2022): MAE's masking
/// and decoder (mask ratio <c>--mask-ratio</c>, MAE's views), but the targets are the features of a frozen
/// contrastively pretrained teacher (<c>--teacher</c>, a moco-v3 run) on the whole image, with a patch-level and
/// an image-level contrastive reconstruction loss (<see cref="MimCoLoss"/>), added with weight 1.
/// </summary>
/// <remarks>No official code is available to check against; the losses follow the paper's description as
/// docs/PRETRAINING.md states, and the parity test checks this implementation against a PyTorch transcription
/// of the same equations.</remarks>
internal sealed class MimCoMethod : IPretrainingMethod
{
    /// <summary>The method's name.</summary>
    public const string Id = "mimco";

    /// <summary>τ of both losses when not set.</summary>
    public const double DefaultTemperature = 0.2;

    /// <summary>Hidden width of the image head when not set.</summary>
    public const int DefaultHiddenDim = 4096;

    public string Name => Id;
    public string Summary => "MimCo: masked image modelling whose patch and image targets are a frozen contrastive teacher's features";

    public IReadOnlyCollection<string> Settings =>
        [nameof(TrainConfig.Teacher), nameof(TrainConfig.SslTemperature), nameof(TrainConfig.SslHiddenDim)];

    private static double Temperature(TrainConfig c) => c.SslTemperature ?? DefaultTemperature;

    public void Check(TrainConfig config)
    {
        if (config.Teacher is null) throw new LivtException("--method mimco: needs --teacher, a moco-v3 pretraining run whose encoder gives the targets");
        ModelCheckpoint.Resolve(config.Teacher);
        PretrainingMethods.RequireTemperature(Temperature(config));
        PretrainingMethods.RequireWidths(config);
    }

    public (float[] Mean, float[] Std)? Normalization(TrainConfig config) => MimCoTeacher.Normalization(config.Teacher!);

    public PretrainingViews Views(TrainConfig config, int inputSize, float[] mean, float[] std) =>
        PretrainingViews.One(TransformPipelines.MgpTrain(inputSize, mean, std, config.ScaleMin, config.Hflip));

    public IPretrainingObjective Create(PretrainingSetup setup)
    {
        var teacher = MimCoTeacher.Load(setup.Config.Teacher!, setup.Model, setup.Device, setup.Observer);
        try
        {
            int teacherDim = teacher.Config.EmbedDim, hidden = setup.Config.SslHiddenDim ?? DefaultHiddenDim;
            var processSum = ProcessSum.For(setup.Parallel);
            var (model, twin) = PretrainingModule.Build(setup, generator => new MimCoModel(setup.Model, teacherDim, hidden, generator, processSum));
            return new Objective(setup, model, twin, teacher, Temperature(setup.Config));
        }
        catch
        {
            teacher.Dispose();
            throw;
        }
    }

    /// <summary>MimCo's step on a built student and a loaded teacher (which the objective then owns).</summary>
    internal sealed class Objective : PretrainingObjective<MimCoModel>
    {
        private readonly VisionTransformer _teacher;
        private readonly ScalarType _teacherType;
        private readonly Func<Tensor, Tensor>? _gather;
        private readonly int _rank;
        private readonly double _maskRatio;
        private readonly double _temperature;

        internal Objective(PretrainingSetup setup, MimCoModel model, Func<MimCoModel> create, VisionTransformer teacher, double temperature)
            : base(setup, model, create, ParamGroups(model, setup.Config.WeightDecay))
        {
            (_teacher, _gather, _rank, _maskRatio, _temperature) =
                (teacher, ProcessGather.For(setup.Parallel), setup.Parallel.Rank, setup.Config.MaskRatio, temperature);
            // The teacher computes in its own dtype (fp32 in a run, whatever the student's precision).
            _teacherType = teacher.parameters().First().dtype;
        }

        // MAE's weight-decay rule, decided on MAE's own names (its no-decay list names cls_token and pos_embed
        // unprefixed), the groups then naming the parameters as the model does.
        private static IReadOnlyList<ParamGroupSpec> ParamGroups(MimCoModel model, double weightDecay)
        {
            var names = new Dictionary<object, string>(ReferenceEqualityComparer.Instance);
            foreach (var (name, p) in model.named_parameters()) names[p] = name;
            var byMaeNames = Optimization.ParamGroups.WeightDecay(model.Mae.named_parameters()
                .Concat(model.ImageHead.named_parameters().Select(p => ("image_head." + p.name, p.parameter))), weightDecay);
            return byMaeNames.Select(g => new ParamGroupSpec
            {
                LayerId = g.LayerId, LrScale = g.LrScale, WeightDecay = g.WeightDecay, Parameters = g.Parameters,
                Names = g.Parameters.Select(p => names[p]).ToList(),
            }).ToList();
        }

        public override Tensor Loss(Tensor images, StepContext step)
        {
            var student = Compute;
            var (latent, mask, idsRestore) = student.Mae.ForwardEncoder(images, _maskRatio, generator: step.Generator);
            var prediction = student.Mae.ForwardDecoder(latent, idsRestore);
            var image = student.ImageHead.call(latent.select(1, 0));
            Tensor tokens;
            using (torch.no_grad()) tokens = _teacher.ForwardTokens(images.to(_teacherType));
            using Scalar one = 1;
            return MimCoLoss.PatchLevel(prediction, tokens.narrow(1, 1, tokens.shape[1] - 1), mask, _temperature)
                .add(MimCoLoss.ImageLevel(image, tokens.select(1, 0), _temperature, _gather, _rank), one);
        }

        public override PretrainedWeights Export() => new("mae", Master.Mae.state_dict());

        public override void Dispose()
        {
            _teacher.Dispose();
            base.Dispose();
        }
    }
}
