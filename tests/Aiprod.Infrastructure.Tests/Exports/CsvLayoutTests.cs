using System.Globalization;
using System.Text.Json;
using Aiprod.Domain.Jobs;
using Aiprod.Infrastructure.Exports;

namespace Aiprod.Infrastructure.Tests.Exports;

/// <summary>
/// The CSV layout reads outputs with <see cref="Utf8JsonReader"/>; these pin its columns and cells to the rules it had
/// when it parsed each output into a <see cref="JsonDocument"/> (the reference below, that code's algorithm), on the
/// outputs where a hand-written reader can go wrong.
/// </summary>
public sealed class CsvLayoutTests
{
    private static readonly int JobColumnCount = JobCsvLayout.Declared([]).Header.Count;

    public static TheoryData<string, string[]> TrickyOutputs => new()
    {
        { "nested objects", ["""{"a":{"b":{"c":1,"d":"x"}},"e":"y"}""", """{"a":{"b":{"c":2}},"z":{"y":{"x":{"w":"deep"}}}}"""] },
        { "empty objects", ["""{"e":{},"f":{ },"g":{"h":{}},"i":{"j":{ }, "k":1}}""", "{}", "{ }", """{"e":{"now":"full"}}"""] },
        { "arrays kept whole with their spaces", ["""{"arr":[1, {"x":2}, [ ], "s"],"empty":[ ],"nested":{"list":[{"a":1},[2,3]]}}""", "[1, 2]"] },
        { "numbers as written", ["""{"exp":1e5,"neg":-2.50E-3,"zero":0,"big":123456789012345678901234567890,"frac":30.0,"plus":1E+2}""", "  3.0e1  "] },
        { "unicode and escaped keys", ["""{"日本":"語","\u00e9t\u00e9":"x","emoji🎬":{"k":"v"},"caf\u00e9":1,"café":2,"A":0,"\u0041":3}"""] },
        { "keys with dots", ["""{"a.b":1,"a":{"b":2}}""", """{"x":{"y":"nested"},"x.y":"dotted","p":{"q.r":{"s":1}},"p.q":{"r.s":2}}"""] },
        { "null leaves", ["""{"n":null,"a.b":"x","a":{"b":null}}""", "null", """{"n":"back"}"""] },
        { "outputs that are not objects", ["42", "\"text\"", "true", "false", "null", "[]", """{"k":"v"}"""] },
        { "empty names", ["""{"":1,"x":{"":2},"y":{"":{"b":3}}}""", """{"":{"b":4}}"""] },
        { "escaped text", ["""{"s":"line\nbreak \"q\" \u00e9 \ud83c\udfac \/ \\","t":"\u0000nul","u":"=1+1"}"""] },
        { "duplicate keys, the later wins", ["""{"d":1,"d":2,"o":{"p":1},"o":{"q":2}}"""] },
    };

    [Theory]
    [MemberData(nameof(TrickyOutputs))]
    public async Task ColumnsAndCells_AreTheJsonDocumentReadings(string kind, string[] outputs)
    {
        var ct = TestContext.Current.CancellationToken;
        var discovered = await JobCsvLayout.DiscoverAsync(Async(outputs), ct);
        var forOutputs = JobCsvLayout.ForOutputs(outputs);

        var expectedPaths = ReferencePaths(outputs);
        Assert.False(discovered.OutputAsJson, kind);
        Assert.Equal(expectedPaths, discovered.OutputPaths);
        Assert.Equal(expectedPaths, forOutputs.OutputPaths);
        foreach (var output in outputs)
        {
            var leaves = ReferenceLeaves(output);
            var row = discovered.Row(Job(output));
            Assert.Equal(JobColumnCount + expectedPaths.Count, row.Length);
            Assert.Equal(expectedPaths.Select(p => leaves.GetValueOrDefault(p)), row[JobColumnCount..]);
        }
    }

    [Fact]
    public void DeclaredColumns_TakeTheLeavesOfTheirPaths_AndNothingForAnObjectOrAMissingPath()
    {
        var output = """{"video":{"url":"s3://b/0.mp4","codec":{"name":"h264"}},"a.b":"dotted","a":{"b":"nested"},"tags":["x"]}""";
        var layout = JobCsvLayout.Declared(["video", "result.output.video.url", "video.codec.name", "a.b", "tags", "missing", "result.output"]);

        var row = layout.Row(Job(output));

        Assert.Equal(["video", "video.url", "video.codec.name", "a.b", "tags", "missing", string.Empty], layout.OutputPaths);
        Assert.Equal<string?>([null, "s3://b/0.mp4", "h264", "nested", """["x"]""", null, null], row[JobColumnCount..]);
        Assert.Equal<string?>(["42"], JobCsvLayout.Declared(["result.output"]).Row(Job(" 42 "))[JobColumnCount..]);
    }

    [Fact]
    public async Task MoreDistinctLeavesThanTheCap_AcrossOutputs_AreOneJsonColumn_AndTheCapItselfIsFlattened()
    {
        var ct = TestContext.Current.CancellationToken;
        string Keys(int from, int count) => "{" + string.Join(',', Enumerable.Range(from, count).Select(i => $"\"k{i}\":{{\"v\":{i}}}")) + "}";
        // Three outputs of 400 leaves, 1,200 distinct in all; a fourth that is not JSON is never read, as before.
        string[] over = [Keys(0, 400), Keys(400, 400), Keys(800, 400), "not json"];
        string[] atCap = [Keys(0, 500), Keys(250, 750)];

        var wide = await JobCsvLayout.DiscoverAsync(Async(over), ct);
        var full = await JobCsvLayout.DiscoverAsync(Async(atCap), ct);

        Assert.True(wide.OutputAsJson);
        Assert.Equal(JobCsvLayout.OutputColumn, wide.Header[^1]);
        Assert.Equal(over[1], wide.Row(Job(over[1]))[^1]);
        Assert.True(JobCsvLayout.ForOutputs(over[..3]).OutputAsJson);
        Assert.False(full.OutputAsJson);
        Assert.Equal(ReferencePaths(atCap), full.OutputPaths);
        Assert.Equal(JobCsvLayout.MaxOutputColumns, full.OutputPaths.Count);
        var leaves = ReferenceLeaves(atCap[1]);
        Assert.Equal(full.OutputPaths.Select(p => leaves.GetValueOrDefault(p)), full.Row(Job(atCap[1]))[JobColumnCount..]);
    }

    [Theory]
    [InlineData("{\"a\":1} x")]
    [InlineData("{\"a\":1,}")]
    [InlineData("{\"a\":1")]
    [InlineData("")]
    [InlineData("{\"a\":/* no */1}")]
    public async Task OutputsThatAreNotJson_AreRefusedInBothPasses_AsJsonDocumentRefusedThem(string output)
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(output));

        await Assert.ThrowsAnyAsync<JsonException>(() => JobCsvLayout.DiscoverAsync(Async([output]), ct));
        Assert.ThrowsAny<JsonException>(() => JobCsvLayout.Declared(["a"]).Row(Job(output)));
    }

    [Theory]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    public void TheDepthLimit_IsJsonDocuments(int objects)
    {
        var output = string.Concat(Enumerable.Repeat("{\"a\":", objects)) + "1" + new string('}', objects);
        var layout = JobCsvLayout.Declared([string.Join('.', Enumerable.Repeat("a", objects))]);
        var documentRefuses = false;
        try
        {
            JsonDocument.Parse(output).Dispose();
        }
        catch (JsonException)
        {
            documentRefuses = true;
        }

        Assert.Equal(objects > 64, documentRefuses);
        if (documentRefuses)
        {
            Assert.ThrowsAny<JsonException>(() => layout.Row(Job(output)));
        }
        else
        {
            Assert.Equal("1", layout.Row(Job(output))[^1]);
        }
    }

    [Fact]
    public void Times_AreWrittenAsTheFormatStringWroteThem_WithTheFractionsZerosTrimmed()
    {
        var random = new Random(11);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var times = new List<DateTimeOffset>
        {
            start, start.AddTicks(1), start.AddTicks(10), start.AddTicks(1_000_000), start.AddTicks(9_999_999), start.AddMilliseconds(500),
            new(2026, 6, 30, 23, 59, 59, TimeSpan.FromHours(5.5)), DateTimeOffset.UnixEpoch, new(1, 1, 2, 0, 0, 0, TimeSpan.Zero),
        };
        times.AddRange(Enumerable.Range(0, 2000).Select(_ => start.AddTicks(random.NextInt64(TimeSpan.TicksPerDay * 3650)).ToOffset(TimeSpan.FromMinutes(random.Next(-600, 600)))));

        foreach (var time in times)
        {
            Assert.Equal(time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture), JobCsvLayout.Time(time));
        }

        Assert.Null(JobCsvLayout.Time(null));
    }

    /// <summary>A whole entity and its projection give one row.</summary>
    [Fact]
    public void AnEntitysRow_IsItsProjectionsRow()
    {
        var job = ExportDatabase.Job(new Domain.Users.UserId(Guid.NewGuid()), ExportDatabase.Start.AddTicks(1234567), "content, \"quoted\"", new Domain.ApiKeys.ApiKeyId(Guid.NewGuid()),
            output: """{"a":{"b":1},"c":[1]}""");
        var layout = JobCsvLayout.ForOutputs([job.ResultOutput]);

        Assert.Equal(layout.Row(job), layout.Row(CsvJob.Of(job)));
        Assert.Equal(job.Id.Value.ToString(), layout.Row(job)[0]);
        Assert.Equal<string?>(["1", "[1]"], layout.Row(job)[JobColumnCount..]);
    }

    private static CsvJob Job(string output) => new(
        new JobId(Guid.NewGuid()), JobStatus.Completed, JobPreset.QuickSocial, JobPriority.Normal, "en", 30, "content", 100, 0,
        ExportDatabase.Start, ExportDatabase.Start, ExportDatabase.Start, ExportDatabase.Start, 0, 0, true, null, 9000, output);

    private static async IAsyncEnumerable<string> Async(IEnumerable<string> outputs)
    {
        foreach (var output in outputs)
        {
            await Task.Yield();
            yield return output;
        }
    }

    /// <summary>The first pass as it was: every leaf path of every output, a JsonDocument each, in ordinal order.</summary>
    private static List<string> ReferencePaths(IEnumerable<string> outputs)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            using var document = JsonDocument.Parse(output);
            foreach (var (path, _) in ReferenceWalk(document.RootElement, string.Empty))
            {
                paths.Add(path);
            }
        }

        return [.. paths];
    }

    /// <summary>A row's output cells as they were: the leaves of a JsonDocument by dotted path, the later of two paths winning.</summary>
    private static Dictionary<string, string?> ReferenceLeaves(string output)
    {
        var leaves = new Dictionary<string, string?>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(output);
        foreach (var (path, element) in ReferenceWalk(document.RootElement, string.Empty))
        {
            leaves[path] = element.ValueKind switch
            {
                JsonValueKind.String => element.GetString(),
                JsonValueKind.Null => null,
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => element.GetRawText(),
            };
        }

        return leaves;
    }

    private static IEnumerable<(string Path, JsonElement Leaf)> ReferenceWalk(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Object && element.EnumerateObject().Any())
        {
            return element.EnumerateObject().SelectMany(p => ReferenceWalk(p.Value, path.Length == 0 ? p.Name : path + "." + p.Name));
        }

        return [(path, element)];
    }
}
