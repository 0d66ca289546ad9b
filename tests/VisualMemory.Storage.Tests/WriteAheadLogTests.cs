using System.Security.Cryptography;
using System.Text;
using VisualMemory.Storage.Log;

namespace VisualMemory.Storage.Tests;

/// <summary>The write-ahead log: round trips, reopening, truncation, torn tails, corruption and group commit.</summary>
public sealed class WriteAheadLogTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vm-wal-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>A payload derived from the position, of a length that varies with it.</summary>
    internal static byte[] PayloadFor(long position)
    {
        var hash = SHA256.HashData(BitConverter.GetBytes(position));
        var length = (int)(position % 97);
        var payload = new byte[length];
        for (var i = 0; i < length; i++)
        {
            payload[i] = hash[i % hash.Length];
        }
        return payload;
    }

    private string LastFile() => Directory.GetFiles(_dir, "log-*.wal").Order(StringComparer.Ordinal).Last();

    [Fact]
    public void Crc32C_matches_the_standard_check_value_and_software_equals_hardware()
    {
        var check = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0xE3069283u, Crc32C.Compute(check));
        Assert.Equal(0xE3069283u, Crc32C.ComputeSoftware(check));
        var random = new Random(5);
        for (var n = 0; n < 200; n++)
        {
            var data = new byte[random.Next(0, 300)];
            random.NextBytes(data);
            Assert.Equal(Crc32C.ComputeSoftware(data), Crc32C.Compute(data));
            var split = data.Length / 3;
            Assert.Equal(Crc32C.Compute(data), Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
        }
    }

    [Fact]
    public async Task Append_and_replay_round_trip_across_rotations()
    {
        using var log = WriteAheadLog.Open(_dir);
        Assert.Equal(1, log.NextPosition);
        Assert.Equal(1, log.FirstPosition);
        for (long p = 1; p <= 250; p++)
        {
            Assert.Equal(p, await log.AppendAsync(PayloadFor(p)));
            if (p % 60 == 0)
            {
                Assert.Equal(p + 1, log.Rotate());
            }
        }
        Assert.Equal(5, log.FileCount);
        Assert.Equal(251, log.Rotate());
        Assert.Equal(6, log.FileCount);
        Assert.Equal(251, log.Rotate());   // rotating again on an empty file adds nothing
        Assert.Equal(6, log.FileCount);
        Assert.Equal(251, log.NextPosition);
        var all = log.ReadFrom(1).ToList();
        Assert.Equal(Enumerable.Range(1, 250).Select(i => (long)i), all.Select(r => r.Position));
        Assert.All(all, r => Assert.Equal(PayloadFor(r.Position), r.Payload));
        Assert.Equal(Enumerable.Range(119, 132).Select(i => (long)i), log.ReadFrom(119).Select(r => r.Position));
        Assert.Empty(log.ReadFrom(251));
        var expectedBytes = Enumerable.Range(1, 250).Sum(i => WriteAheadLog.RecordHeaderBytes + PayloadFor(i).Length);
        Assert.Equal(expectedBytes, log.SizeBytes);
        Assert.Equal(expectedBytes, Directory.GetFiles(_dir, "*.wal").Sum(f => new FileInfo(f).Length));
        Assert.True(File.Exists(Path.Combine(_dir, WriteAheadLog.FileName(121))));
    }

    [Fact]
    public async Task Reopen_continues_positions_and_keeps_records()
    {
        using (var log = WriteAheadLog.Open(_dir))
        {
            for (long p = 1; p <= 30; p++)
            {
                await log.AppendAsync(PayloadFor(p));
            }
            log.Rotate();
            for (long p = 31; p <= 40; p++)
            {
                await log.AppendAsync(PayloadFor(p));
            }
        }
        using (var log = WriteAheadLog.Open(_dir))
        {
            Assert.Equal(0, log.RecoveredTailBytes);
            Assert.Equal(41, log.NextPosition);
            Assert.Equal(41, await log.AppendAsync(PayloadFor(41)));
        }
        using (var log = WriteAheadLog.Open(_dir))
        {
            Assert.Equal(42, log.NextPosition);
            var all = log.ReadFrom(1).ToList();
            Assert.Equal(41, all.Count);
            Assert.All(all, r => Assert.Equal(PayloadFor(r.Position), r.Payload));
        }
    }

    [Fact]
    public async Task A_second_instance_on_the_same_directory_is_refused()
    {
        using var log = WriteAheadLog.Open(_dir);
        await log.AppendAsync(PayloadFor(1));
        var e = Assert.Throws<IOException>(() => WriteAheadLog.Open(_dir));
        Assert.Contains("already open", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TruncateBefore_deletes_only_whole_files_below_the_position()
    {
        using (var log = WriteAheadLog.Open(_dir))
        {
            for (long p = 1; p <= 100; p++)
            {
                await log.AppendAsync(PayloadFor(p));
                if (p % 25 == 0)
                {
                    log.Rotate();   // files start at 1, 26, 51, 76, 101
                }
            }
            Assert.Equal(0, log.TruncateBefore(25));
            Assert.Equal(1, log.FirstPosition);
            Assert.Equal(1, log.TruncateBefore(50));   // 1..25 gone; 26..50 has 50 in it
            Assert.Equal(26, log.FirstPosition);
            Assert.Throws<ArgumentOutOfRangeException>(() => log.ReadFrom(10));
            Assert.Equal(Enumerable.Range(26, 75).Select(i => (long)i), log.ReadFrom(26).Select(r => r.Position));
            Assert.Equal(2, log.TruncateBefore(76));
            Assert.Equal(76, log.FirstPosition);
            Assert.Equal(1, log.TruncateBefore(long.MaxValue));   // never the active file
            Assert.Equal(101, log.FirstPosition);
            Assert.Equal(0, log.SizeBytes);
            Assert.Equal(101, await log.AppendAsync(PayloadFor(101)));
        }
        using (var log = WriteAheadLog.Open(_dir))
        {
            Assert.Equal(101, log.FirstPosition);
            Assert.Equal(102, log.NextPosition);
            Assert.Equal([101L], log.ReadFrom(101).Select(r => r.Position));
        }
    }

    [Fact]
    public async Task Torn_tail_cut_in_half_is_recovered_and_appends_continue()
    {
        using (var log = WriteAheadLog.Open(_dir))
        {
            for (long p = 1; p <= 20; p++)
            {
                await log.AppendAsync(PayloadFor(p));
            }
        }
        var file = LastFile();
        var lastRecord = WriteAheadLog.RecordHeaderBytes + PayloadFor(20).Length;
        var length = new FileInfo(file).Length;
        using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(length - lastRecord / 2);
        }
        using (var log = WriteAheadLog.Open(_dir))
        {
            Assert.Equal(lastRecord - lastRecord / 2, log.RecoveredTailBytes);
            Assert.Equal(20, log.NextPosition);
            Assert.Equal(20, await log.AppendAsync(PayloadFor(20)));
            Assert.Equal(21, await log.AppendAsync(PayloadFor(21)));
        }
        using (var log = WriteAheadLog.Open(_dir))
        {
            Assert.Equal(0, log.RecoveredTailBytes);
            var all = log.ReadFrom(1).ToList();
            Assert.Equal(21, all.Count);
            Assert.All(all, r => Assert.Equal(PayloadFor(r.Position), r.Payload));
        }
    }

    [Theory]
    [InlineData(3)]       // shorter than a header
    [InlineData(20)]      // a header's worth of garbage
    [InlineData(5000)]    // lots of garbage
    public async Task Garbage_after_the_last_record_is_recovered(int garbageBytes)
    {
        using (var log = WriteAheadLog.Open(_dir))
        {
            for (long p = 1; p <= 10; p++)
            {
                await log.AppendAsync(PayloadFor(p));
            }
        }
        var garbage = new byte[garbageBytes];
        new Random(garbageBytes).NextBytes(garbage);
        using (var stream = new FileStream(LastFile(), FileMode.Append))
        {
            stream.Write(garbage);
        }
        using var reopened = WriteAheadLog.Open(_dir);
        Assert.Equal(garbageBytes, reopened.RecoveredTailBytes);
        Assert.Equal(11, await reopened.AppendAsync(PayloadFor(11)));
        Assert.Equal(11, reopened.ReadFrom(1).Count());
    }

    [Fact]
    public async Task Zeroed_tail_after_a_crash_is_recovered()
    {
        using (var log = WriteAheadLog.Open(_dir))
        {
            for (long p = 1; p <= 10; p++)
            {
                await log.AppendAsync(PayloadFor(p));
            }
        }
        using (var stream = new FileStream(LastFile(), FileMode.Append))
        {
            stream.Write(new byte[4096]);   // a file system may extend the file before the data lands
        }
        using var reopened = WriteAheadLog.Open(_dir);
        Assert.Equal(4096, reopened.RecoveredTailBytes);
        Assert.Equal(11, reopened.NextPosition);
    }

    [Fact]
    public async Task Corruption_followed_by_a_valid_record_throws_naming_the_file_and_offset()
    {
        long offsetOf5 = 0;
        using (var log = WriteAheadLog.Open(_dir))
        {
            for (long p = 1; p <= 10; p++)
            {
                if (p == 5)
                {
                    offsetOf5 = log.SizeBytes;
                }
                await log.AppendAsync(PayloadFor(p));
            }
        }
        var file = LastFile();
        FlipByte(file, offsetOf5 + WriteAheadLog.RecordHeaderBytes - 1);   // inside record 5's position field
        var e = Assert.Throws<WriteAheadLogCorruptException>(() => WriteAheadLog.Open(_dir));
        Assert.Equal(file, e.FilePath);
        Assert.Equal(offsetOf5, e.Offset);
        Assert.Contains(Path.GetFileName(file), e.Message, StringComparison.Ordinal);
        Assert.Contains("not a torn tail", e.Message, StringComparison.Ordinal);
        // nothing was cut
        Assert.Equal(Enumerable.Range(1, 10).Sum(i => WriteAheadLog.RecordHeaderBytes + PayloadFor(i).Length), new FileInfo(file).Length);
        // and the directory is not locked after the failed open
        FlipByte(file, offsetOf5 + WriteAheadLog.RecordHeaderBytes - 1);
        using var repaired = WriteAheadLog.Open(_dir);
        Assert.Equal(11, repaired.NextPosition);
    }

    [Fact]
    public async Task Corruption_in_a_sealed_file_throws_even_at_its_end()
    {
        using (var log = WriteAheadLog.Open(_dir))
        {
            for (long p = 1; p <= 10; p++)
            {
                await log.AppendAsync(PayloadFor(p));
            }
            log.Rotate();
            await log.AppendAsync(PayloadFor(11));
        }
        var first = Path.Combine(_dir, WriteAheadLog.FileName(1));
        var length = new FileInfo(first).Length;
        FlipByte(first, length - 1);   // last payload byte of record 10
        var e = Assert.Throws<WriteAheadLogCorruptException>(() => WriteAheadLog.Open(_dir));
        Assert.Equal(first, e.FilePath);
        Assert.Contains("sealed file", e.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_between_others_throws()
    {
        using (var log = WriteAheadLog.Open(_dir))
        {
            for (long p = 1; p <= 30; p++)
            {
                await log.AppendAsync(PayloadFor(p));
                if (p % 10 == 0)
                {
                    log.Rotate();
                }
            }
        }
        File.Delete(Path.Combine(_dir, WriteAheadLog.FileName(11)));
        var e = Assert.Throws<WriteAheadLogCorruptException>(() => WriteAheadLog.Open(_dir));
        Assert.Equal(Path.Combine(_dir, WriteAheadLog.FileName(21)), e.FilePath);
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_appends_get_unique_contiguous_positions_and_share_fsyncs()
    {
        const int Tasks = 8;
        const int PerTask = 200;
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<long, byte[]>();
        using (var log = WriteAheadLog.Open(_dir))
        {
            var workers = Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
            {
                for (var i = 0; i < PerTask; i++)
                {
                    var payload = Encoding.UTF8.GetBytes($"task {t} item {i}");
                    var position = await log.AppendAsync(payload);
                    Assert.True(acknowledged.TryAdd(position, payload));
                    if (t == 0 && i % 50 == 49)
                    {
                        log.Rotate();
                    }
                }
            })).ToArray();
            await Task.WhenAll(workers);
            Assert.Equal(Tasks * PerTask + 1, log.NextPosition);
            Assert.True(log.SyncCount < Tasks * PerTask, $"{log.SyncCount} fsyncs for {Tasks * PerTask} appends");
        }
        Assert.Equal(Enumerable.Range(1, Tasks * PerTask).Select(i => (long)i), acknowledged.Keys.Order());
        using var reopened = WriteAheadLog.Open(_dir);
        var all = reopened.ReadFrom(1).ToList();
        Assert.Equal(Tasks * PerTask, all.Count);
        Assert.All(all, r => Assert.Equal(acknowledged[r.Position], r.Payload));
    }

    [Fact]
    public async Task Appends_after_dispose_throw_and_queued_ones_are_written()
    {
        var log = WriteAheadLog.Open(_dir);
        var pending = Enumerable.Range(0, 50).Select(i => log.AppendAsync(PayloadFor(i + 1))).ToArray();
        log.Dispose();
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), await Task.WhenAll(pending));
        Assert.Throws<ObjectDisposedException>(() => { _ = log.AppendAsync(PayloadFor(51)); });
        using var reopened = WriteAheadLog.Open(_dir);
        Assert.Equal(51, reopened.NextPosition);
    }

    [Fact]
    public async Task AdvanceTo_moves_an_empty_log_and_appends_continue_there_across_reopen()
    {
        using (var log = WriteAheadLog.Open(_dir))
        {
            log.AdvanceTo(100);
            Assert.Equal(100, log.NextPosition);
            Assert.Equal(100, log.FirstPosition);
            Assert.Equal(100, await log.AppendAsync(PayloadFor(100)));
            Assert.Equal(101, await log.AppendAsync(PayloadFor(101)));
        }
        Assert.Equal([WriteAheadLog.FileName(100)], Directory.GetFiles(_dir, "log-*.wal").Select(Path.GetFileName));
        using (var log = WriteAheadLog.Open(_dir))
        {
            Assert.Equal(100, log.FirstPosition);
            Assert.Equal(102, log.NextPosition);
            var all = log.ReadFrom(100).ToList();
            Assert.Equal([100L, 101L], all.Select(r => r.Position));
            Assert.All(all, r => Assert.Equal(PayloadFor(r.Position), r.Payload));
            Assert.Equal(102, await log.AppendAsync(PayloadFor(102)));
        }
    }

    [Fact]
    public async Task AdvanceTo_moves_a_log_emptied_by_truncation_and_drops_its_old_files()
    {
        using (var log = WriteAheadLog.Open(_dir))
        {
            for (long p = 1; p <= 5; p++)
            {
                await log.AppendAsync(PayloadFor(p));
            }
            Assert.Equal(6, log.Rotate());
            log.TruncateBefore(6);
            Assert.Equal((6L, 6L), (log.FirstPosition, log.NextPosition));
            log.AdvanceTo(50);
            Assert.Equal((50L, 50L), (log.FirstPosition, log.NextPosition));
            Assert.Equal(1, log.FileCount);
            Assert.Equal(50, await log.AppendAsync(PayloadFor(50)));
        }
        using (var log = WriteAheadLog.Open(_dir))
        {
            Assert.Equal((50L, 51L), (log.FirstPosition, log.NextPosition));
            Assert.Equal([50L], log.ReadFrom(50).Select(r => r.Position));
        }
    }

    [Fact]
    public async Task AdvanceTo_a_position_the_log_has_reached_changes_nothing()
    {
        using var log = WriteAheadLog.Open(_dir);
        log.AdvanceTo(1);
        Assert.Equal((1L, 1L), (log.FirstPosition, log.NextPosition));
        for (long p = 1; p <= 10; p++)
        {
            await log.AppendAsync(PayloadFor(p));
        }
        var files = Directory.GetFiles(_dir, "log-*.wal");
        log.AdvanceTo(5);
        log.AdvanceTo(11);
        Assert.Equal((1L, 11L), (log.FirstPosition, log.NextPosition));
        Assert.Equal(files, Directory.GetFiles(_dir, "log-*.wal"));
        Assert.Equal(Enumerable.Range(1, 10).Select(p => (long)p), log.ReadFrom(1).Select(r => r.Position));
        Assert.Equal(11, await log.AppendAsync(PayloadFor(11)));
    }

    [Fact]
    public async Task AdvanceTo_past_records_the_log_holds_throws_and_leaves_the_log_as_it_was()
    {
        using var log = WriteAheadLog.Open(_dir);
        for (long p = 1; p <= 3; p++)
        {
            await log.AppendAsync(PayloadFor(p));
        }
        var e = Assert.Throws<InvalidOperationException>(() => log.AdvanceTo(10));
        Assert.Contains("another history", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => log.AdvanceTo(0));
        Assert.Equal((1L, 4L), (log.FirstPosition, log.NextPosition));
        Assert.Equal(4, await log.AppendAsync(PayloadFor(4)));
        Assert.Equal(Enumerable.Range(1, 4).Select(p => (long)p), log.ReadFrom(1).Select(r => r.Position));
    }

    [Fact]
    public async Task AdvanceTo_interrupted_before_its_new_file_exists_leaves_a_log_that_reopens_and_advances()
    {
        // A directory where the new file must go makes creating it fail, standing in for a crash at
        // that point. The old (record-less) file must already be gone: left beside the new file it
        // would read as missing positions 1..99 and the log would refuse to open.
        var obstruction = Path.Combine(_dir, WriteAheadLog.FileName(100));
        using (var log = WriteAheadLog.Open(_dir))
        {
            Directory.CreateDirectory(obstruction);
            Assert.ThrowsAny<IOException>(() => log.AdvanceTo(100));
            Assert.Empty(Directory.GetFiles(_dir, "log-*.wal"));
            // The log no longer matches its files, so it takes no more appends.
            await Assert.ThrowsAsync<IOException>(() => log.AppendAsync(PayloadFor(1)));
        }
        Directory.Delete(obstruction);
        using (var log = WriteAheadLog.Open(_dir))
        {
            Assert.Equal((1L, 1L), (log.FirstPosition, log.NextPosition));
            log.AdvanceTo(100);
            Assert.Equal(100, await log.AppendAsync(PayloadFor(100)));
        }
        Assert.Equal([WriteAheadLog.FileName(100)], Directory.GetFiles(_dir, "log-*.wal").Select(Path.GetFileName));
    }

    private static void FlipByte(string file, long offset)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ 0x5A));
    }
}
