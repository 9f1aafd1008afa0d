namespace Livt.Fuzz;

/// <summary>Runs saved inputs through a target once each and says how each ended (the regression
/// tests do the same through <see cref="Targets"/>).</summary>
public static class Replay
{
    public static int Run(FuzzTarget target, IReadOnlyList<string> files)
    {
        int failed = 0;
        foreach (var file in files)
        {
            var dir = Directory.CreateTempSubdirectory("livt-fuzz-replay-").FullName;
            try
            {
                target.Run(File.ReadAllBytes(file), dir);
                Console.WriteLine($"{file}: ok");
            }
            catch (LivtException e)
            {
                Console.WriteLine($"{file}: error: {e.Message}");
            }
            catch (Exception e)
            {
                failed++;
                Console.WriteLine($"{file}: FAILURE {e}");
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
