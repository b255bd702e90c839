// libtorch's random generator and thread pool are process-wide: trainings from parallel test
// classes would disturb each other's seeded sequences (and fight over the two cores).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
