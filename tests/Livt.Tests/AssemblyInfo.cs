// libtorch's default random generator and thread count are process-wide: a test that reseeds it and
// then initialises a model must not share the process with another drawing from it at the same time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
