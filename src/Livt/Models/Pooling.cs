namespace Livt.Models;

/// <summary>How the classifier turns tokens into one feature vector (timm's <c>global_pool</c>).</summary>
public enum Pooling
{
    /// <summary>Mean of the patch tokens, then <c>fc_norm</c> (MAE/LiVT fine-tuning).</summary>
    Avg,

    /// <summary>The class token after the final <c>norm</c> (the official code's <c>--cls_token</c>).</summary>
    Token,
}
