using Xunit;

// One test class at a time: servers training and browsers rendering in parallel classes fight over two cores,
// and a page then misses its assertion timeout.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
