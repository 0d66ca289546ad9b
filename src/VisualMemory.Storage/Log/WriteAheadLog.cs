using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace VisualMemory.Storage.Log;

/// <summary>
/// The write-ahead log of one shard, on the node's local disk: a directory of files named
/// <c>log-{firstPosition:D20}.wal</c>, each a sequence of records with consecutive positions.
/// </summary>
/// <remarks>
/// <para><b>Record format</b> (little-endian, <see cref="RecordHeaderBytes"/> = 20 bytes of header):
/// u32 magic <c>0x4C574D56</c> ("VMWL"), u32 payload length, u32 CRC-32C over the length field, the
/// position field and the payload, u64 position, then the payload. Positions start at 1 and
/// increase by one per record, across files; a file's name gives its first record's position.</para>
/// <para><b>Durability and group commit.</b> <see cref="AppendAsync"/> assigns the position and
/// queues the encoded record under a lock, so file order is position order; one background
/// flusher thread writes everything queued with one <c>write</c> and one <c>fsync</c>
/// (<c>FileStream.Flush(true)</c>) and only then completes the appends' tasks. Concurrent appends
/// therefore share one fsync. All members are thread-safe. If a write or fsync fails the log stops
/// accepting appends (the state of the file is unknown after a failed fsync); reopen it to recover.</para>
/// <para><b>Recovery.</b> Opening validates every record of every file. A damaged record at the
/// end of the last file (short header or payload, bad magic, bad checksum) with no valid record
/// after it is a write that was never acknowledged: the file is cut there and
/// <see cref="RecoveredTailBytes"/> says how much was removed. A damaged record anywhere else
/// (a sealed file, or followed by a valid record), a checksummed record at the wrong position, or
/// a gap between files throws <see cref="WriteAheadLogCorruptException"/> naming file and offset.</para>
/// <para><b>Truncation.</b> <see cref="Rotate"/> starts a new file; <see cref="TruncateBefore"/>
/// deletes whole files, oldest first, so an interrupted truncation leaves a contiguous suffix. Call
/// it only after the shard manifest covering those positions is durable.</para>
/// <para>One <see cref="WriteAheadLog"/> per directory: the directory's <c>wal.lock</c> file is
/// held exclusively while open (another instance, in this or another process, fails to open).</para>
/// </remarks>
public sealed class WriteAheadLog : IDisposable
{
    /// <summary>Bytes of header before each record's payload.</summary>
    public const int RecordHeaderBytes = 20;

    /// <summary>The largest payload one record may carry.</summary>
    public const int MaxPayloadBytes = 64 * 1024 * 1024;

    /// <summary>The first 4 bytes of every record (little-endian "VMWL").</summary>
    public const uint RecordMagic = 0x4C574D56;

    private const string FilePrefix = "log-";
    private const string FileSuffix = ".wal";
    private const string LockFileName = "wal.lock";

    // Lock order: _io before _gate.
    private readonly object _gate = new();   // positions, the queued batch, disposed/failed state
    private readonly object _io = new();     // the files
    private readonly string _directory;
    private readonly FileStream _lockFile;
    private readonly Thread _flusher;
    private readonly List<LogFile> _files;   // under _io; the last is the active one

    private FileStream _active;              // under _io
    private long _activeLength;              // durable bytes of the active file; written under _io
    private long _sealedBytes;               // bytes of the other files; written under _io
    private long _durableNext;               // first position not yet durable; written under _io
    private long _firstPosition;             // written under _io

    private long _syncCount;                 // written under _io

    private long _nextPosition;              // under _gate
    private ArrayBufferWriter<byte> _queued = new();   // under _gate
    private List<Waiter> _waiters = [];      // under _gate
    private ArrayBufferWriter<byte> _spareBuffer = new();   // under _io
    private List<Waiter> _spareWaiters = []; // under _io
    private bool _disposed;                  // under _gate
    private Exception? _failure;             // under _gate

    private WriteAheadLog(string directory, FileStream lockFile, List<LogFile> files, FileStream active, long activeLength, long sealedBytes, long nextPosition, long recoveredTailBytes)
    {
        _directory = directory;
        _lockFile = lockFile;
        _files = files;
        _active = active;
        _activeLength = activeLength;
        _sealedBytes = sealedBytes;
        _nextPosition = nextPosition;
        _durableNext = nextPosition;
        _firstPosition = files[0].FirstPosition;
        RecoveredTailBytes = recoveredTailBytes;
        _flusher = new Thread(FlushLoop) { IsBackground = true, Name = "wal-flusher" };
        _flusher.Start();
    }

    /// <summary>The log's directory, as a full path.</summary>
    public string Directory => _directory;

    /// <summary>The position the next <see cref="AppendAsync"/> will be given.</summary>
    public long NextPosition
    {
        get
        {
            lock (_gate)
            {
                return _nextPosition;
            }
        }
    }

    /// <summary>The first position still in the log (equals <see cref="NextPosition"/> when it holds no record).</summary>
    public long FirstPosition => Interlocked.Read(ref _firstPosition);

    /// <summary>Durable bytes in all the log's files.</summary>
    public long SizeBytes => Interlocked.Read(ref _sealedBytes) + Interlocked.Read(ref _activeLength);

    /// <summary>How many bytes of a torn tail opening cut from the last file (0 if it was clean).</summary>
    public long RecoveredTailBytes { get; }

    /// <summary>How many batch fsyncs this instance has done (fewer than appends when group commit shares them).</summary>
    public long SyncCount => Interlocked.Read(ref _syncCount);

    /// <summary>How many files the log has now (the last is the one being appended to).</summary>
    public int FileCount
    {
        get
        {
            lock (_io)
            {
                return _files.Count;
            }
        }
    }

    /// <summary>
    /// Opens the log in <paramref name="directory"/> (created if missing; an empty log starts at
    /// position 1), validating every record and cutting a torn tail as described on the class.
    /// </summary>
    /// <exception cref="WriteAheadLogCorruptException">A record other than a torn tail is damaged, or files are missing between others.</exception>
    /// <exception cref="IOException">The log is open elsewhere, or the file system failed.</exception>
    public static WriteAheadLog Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            System.IO.Directory.CreateDirectory(full);
            var parent = Path.GetDirectoryName(full);
            if (parent is not null)
            {
                DirectorySync.Sync(parent);
            }
        }
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(full, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"Write-ahead log '{full}' is already open (its {LockFileName} is held).", e);
        }
        try
        {
            return Recover(full, lockFile);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends a record and completes, with its position, once the record is on disk (fsynced).
    /// Concurrent calls share one fsync.
    /// </summary>
    /// <param name="payload">The record's bytes (copied before this returns), at most <see cref="MaxPayloadBytes"/>.</param>
    /// <param name="cancellationToken">Checked before the record is queued only: a queued record
    /// is written whatever happens, and waiting for it is not cancelable, so a caller never
    /// mistakes a write that may be durable for one that failed.</param>
    /// <exception cref="IOException">An earlier write or fsync failed; the log accepts no more appends.</exception>
    public Task<long> AppendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.Length > MaxPayloadBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length, $"A record's payload is at most {MaxPayloadBytes} bytes.");
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<long>(cancellationToken);
        }
        var completion = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfFailed();
            var position = _nextPosition++;
            Encode(_queued, position, payload.Span);
            _waiters.Add(new Waiter(completion, position));
            if (_waiters.Count == 1)
            {
                Monitor.Pulse(_gate);
            }
        }
        return completion.Task;
    }

    /// <summary>
    /// The durable records from <paramref name="position"/> on, in order (read lazily; records
    /// appended after this call are not included). Each record's checksum is verified again.
    /// Do not run <see cref="TruncateBefore"/> past <paramref name="position"/> while enumerating.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="position"/> is below <see cref="FirstPosition"/> (those records were truncated) or below 1.</exception>
    public IEnumerable<(long Position, byte[] Payload)> ReadFrom(long position)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(position, 1);
        LogFile[] files;
        long activeLength;
        long end;
        lock (_io)
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
            }
            files = [.. _files];
            activeLength = _activeLength;
            end = _durableNext;
        }
        if (position < files[0].FirstPosition)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position,
                $"The log starts at position {files[0].FirstPosition}; earlier records were truncated.");
        }
        return Enumerate(files, activeLength, position, end);
    }

    /// <summary>
    /// Writes everything queued, then starts a new file at the next position (unless the current
    /// file is still empty); returns that position. Every record before it is in older files, which
    /// <see cref="TruncateBefore"/> can then delete once a shard manifest covers them.
    /// </summary>
    public long Rotate()
    {
        lock (_io)
        {
            var batch = WriteQueuedLocked();
            try
            {
                lock (_gate)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    ThrowIfFailed();
                }
                var first = batch.NextPosition;
                if (_activeLength > 0)
                {
                    var path = FilePath(_directory, first);
                    var created = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
                    try
                    {
                        DirectorySync.Sync(_directory);
                    }
                    catch
                    {
                        created.Dispose();
                        throw;
                    }
                    _active.Dispose();
                    Interlocked.Add(ref _sealedBytes, _activeLength);
                    Interlocked.Exchange(ref _activeLength, 0);
                    _active = created;
                    _files.Add(new LogFile(path, first));
                }
                return first;
            }
            finally
            {
                // Completions run asynchronously (RunContinuationsAsynchronously), so completing under the lock is safe.
                batch.Complete();
            }
        }
    }

    /// <summary>
    /// Makes an empty log continue at <paramref name="position"/>: used when a shard's state comes
    /// from object storage (a fresh node, a lost disk) and its manifest already covers positions the
    /// new log would otherwise reuse. A no-op when the log is already there or beyond.
    /// </summary>
    /// <exception cref="InvalidOperationException">The log holds records but ends before <paramref name="position"/>: it belongs to another history.</exception>
    public void AdvanceTo(long position)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(position, 1);
        lock (_io)
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                ThrowIfFailed();
                if (_nextPosition >= position)
                {
                    return;
                }
                if (_nextPosition != Interlocked.Read(ref _firstPosition) || _waiters.Count > 0)
                {
                    throw new InvalidOperationException(
                        $"The write-ahead log in '{_directory}' holds positions {_firstPosition}..{_nextPosition - 1} but its shard's state already covers everything before {position}: the log belongs to another history.");
                }
            }
            var path = FilePath(_directory, position);
            // The old files hold no record; they go before the new file exists. A crash in between
            // leaves no log file, which reopens at 1 and is advanced again by the next load; an old
            // file left beside the new one would read as missing positions and refuse to open.
            FileStream? created = null;
            _active.Dispose();
            try
            {
                foreach (var old in _files)
                {
                    File.Delete(old.Path);
                }
                DirectorySync.Sync(_directory);
                created = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
                DirectorySync.Sync(_directory);
            }
            catch (Exception e)
            {
                // The active file is closed and the files on disk no longer match _files: reopen to recover.
                created?.Dispose();
                lock (_gate)
                {
                    _failure ??= e;
                }
                throw;
            }
            _files.Clear();
            _files.Add(new LogFile(path, position));
            _active = created;
            Interlocked.Exchange(ref _sealedBytes, 0);
            Interlocked.Exchange(ref _activeLength, 0);
            Interlocked.Exchange(ref _durableNext, position);
            Interlocked.Exchange(ref _firstPosition, position);
            lock (_gate)
            {
                _nextPosition = position;
            }
        }
    }

    /// <summary>
    /// Deletes, oldest first, every file all of whose records are below <paramref name="position"/>
    /// (never the file being appended to), then fsyncs the directory; returns how many were deleted.
    /// Call only once the shard manifest covering those positions is durable.
    /// </summary>
    public int TruncateBefore(long position)
    {
        var deleted = 0;
        lock (_io)
        {
            while (_files.Count > 1 && _files[1].FirstPosition <= position)
            {
                var file = _files[0];
                var length = new FileInfo(file.Path).Length;
                File.Delete(file.Path);
                Interlocked.Add(ref _sealedBytes, -length);
                _files.RemoveAt(0);
                Interlocked.Exchange(ref _firstPosition, _files[0].FirstPosition);
                deleted++;
            }
            if (deleted > 0)
            {
                DirectorySync.Sync(_directory);
            }
        }
        return deleted;
    }

    /// <summary>Writes what is queued, stops the flusher and closes the files. Appends after this throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
        _flusher.Join();
        lock (_io)
        {
            _active.Dispose();
        }
        _lockFile.Dispose();
    }

    /// <summary>The file name for a log file whose first record has <paramref name="firstPosition"/>.</summary>
    public static string FileName(long firstPosition) =>
        FilePrefix + firstPosition.ToString("D20", CultureInfo.InvariantCulture) + FileSuffix;

    private static string FilePath(string directory, long firstPosition) => Path.Combine(directory, FileName(firstPosition));

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            throw new IOException($"Write-ahead log '{_directory}' failed to write or fsync and accepts no more appends; reopen it.", _failure);
        }
    }

    private static void Encode(ArrayBufferWriter<byte> buffer, long position, ReadOnlySpan<byte> payload)
    {
        var size = RecordHeaderBytes + payload.Length;
        var span = buffer.GetSpan(size)[..size];
        BinaryPrimitives.WriteUInt32LittleEndian(span, RecordMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], position);
        payload.CopyTo(span[RecordHeaderBytes..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], RecordCrc(span));
        buffer.Advance(size);
    }

    /// <summary>CRC-32C over the length field, the position field and the payload of an encoded record.</summary>
    private static uint RecordCrc(ReadOnlySpan<byte> record) =>
        Crc32C.Append(Crc32C.Compute(record.Slice(4, 4)), record[12..]);

    private void FlushLoop()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_waiters.Count == 0 && !_disposed)
                {
                    Monitor.Wait(_gate);
                }
                if (_waiters.Count == 0)
                {
                    return;
                }
            }
            Batch batch;
            lock (_io)
            {
                batch = WriteQueuedLocked();
            }
            batch.Complete();
        }
    }

    /// <summary>Takes everything queued and writes and fsyncs it into the active file. Caller holds <see cref="_io"/>.</summary>
    private Batch WriteQueuedLocked()
    {
        ArrayBufferWriter<byte> buffer;
        List<Waiter> waiters;
        long next;
        lock (_gate)
        {
            buffer = _queued;
            waiters = _waiters;
            _queued = _spareBuffer;
            _waiters = _spareWaiters;
            next = _nextPosition;
            if (_failure is not null)
            {
                _spareBuffer = new ArrayBufferWriter<byte>();
                _spareWaiters = [];
                return new Batch(waiters, next, _failure);
            }
        }
        _spareBuffer = buffer;
        _spareWaiters = [];
        if (waiters.Count == 0)
        {
            return new Batch(waiters, next, null);
        }
        Exception? failure = null;
        try
        {
            _active.Write(buffer.WrittenSpan);
            _active.Flush(flushToDisk: true);
            Interlocked.Increment(ref _syncCount);
            Interlocked.Add(ref _activeLength, buffer.WrittenCount);
            Interlocked.Exchange(ref _durableNext, waiters[^1].Position + 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            failure = e;
            lock (_gate)
            {
                _failure = e;
            }
        }
        buffer.ResetWrittenCount();
        if (buffer.Capacity > 4 * 1024 * 1024)
        {
            _spareBuffer = new ArrayBufferWriter<byte>();
        }
        return new Batch(waiters, next, failure);
    }

    private static IEnumerable<(long Position, byte[] Payload)> Enumerate(LogFile[] files, long activeLength, long from, long end)
    {
        var start = 0;
        for (var i = 1; i < files.Length; i++)
        {
            if (files[i].FirstPosition <= from)
            {
                start = i;
            }
        }
        for (var i = start; i < files.Length; i++)
        {
            var limit = i == files.Length - 1 ? activeLength : long.MaxValue;
            using var stream = new FileStream(files[i].Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
            var fileEnd = Math.Min(limit, stream.Length);
            var expected = files[i].FirstPosition;
            var header = new byte[RecordHeaderBytes];
            long offset = 0;
            while (offset < fileEnd && expected < end)
            {
                var record = ReadRecord(stream, offset, fileEnd, expected, header, out var problem);
                if (record is null)
                {
                    throw new WriteAheadLogCorruptException(files[i].Path, offset, problem!);
                }
                if (expected >= from)
                {
                    yield return (expected, record);
                }
                offset += RecordHeaderBytes + record.Length;
                expected++;
            }
        }
    }

    /// <summary>Reads and checks the record at <paramref name="offset"/> (the stream is positioned there); null and a reason if it is damaged.</summary>
    private static byte[]? ReadRecord(FileStream stream, long offset, long fileEnd, long expectedPosition, byte[] header, out string? problem)
    {
        if (fileEnd - offset < RecordHeaderBytes)
        {
            problem = $"short record header ({fileEnd - offset} of {RecordHeaderBytes} bytes)";
            return null;
        }
        stream.ReadExactly(header);
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (magic != RecordMagic)
        {
            problem = $"bad record magic 0x{magic:X8}";
            return null;
        }
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        if (length > MaxPayloadBytes)
        {
            problem = $"record length {length} exceeds the maximum {MaxPayloadBytes}";
            return null;
        }
        if (fileEnd - offset - RecordHeaderBytes < length)
        {
            problem = $"short record payload ({fileEnd - offset - RecordHeaderBytes} of {length} bytes)";
            return null;
        }
        var payload = new byte[length];
        stream.ReadExactly(payload);
        var crc = Crc32C.Append(Crc32C.Append(Crc32C.Compute(header.AsSpan(4, 4)), header.AsSpan(12, 8)), payload);
        if (crc != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8)))
        {
            problem = "record checksum mismatch";
            return null;
        }
        var position = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(12));
        if (position != expectedPosition)
        {
            problem = $"checksummed record has position {position}, expected {expectedPosition}";
            return null;
        }
        problem = null;
        return payload;
    }

    private static WriteAheadLog Recover(string directory, FileStream lockFile)
    {
        var found = new List<LogFile>();
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, FilePrefix + "*" + FileSuffix))
        {
            var name = Path.GetFileName(path);
            var digits = name[FilePrefix.Length..^FileSuffix.Length];
            if (digits.Length != 20 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var first) || first < 1)
            {
                throw new WriteAheadLogCorruptException(path, 0, "file name is not log-{first position:D20}.wal");
            }
            found.Add(new LogFile(path, first));
        }
        found.Sort((a, b) => a.FirstPosition.CompareTo(b.FirstPosition));
        if (found.Count == 0)
        {
            var path = FilePath(directory, 1);
            var created = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
            try
            {
                DirectorySync.Sync(directory);
            }
            catch
            {
                created.Dispose();
                throw;
            }
            return new WriteAheadLog(directory, lockFile, [new LogFile(path, 1)], created, 0, 0, 1, 0);
        }

        long sealedBytes = 0;
        long next = found[0].FirstPosition;
        long lastLength = 0;
        long recovered = 0;
        var header = new byte[RecordHeaderBytes];
        for (var i = 0; i < found.Count; i++)
        {
            var file = found[i];
            var isLast = i == found.Count - 1;
            if (file.FirstPosition != next)
            {
                throw new WriteAheadLogCorruptException(file.Path, 0,
                    $"the previous file ends before position {next} but this one starts at {file.FirstPosition} (a file is missing or misnamed)");
            }
            long offset = 0;
            long length;
            string? problem = null;
            using (var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            {
                length = stream.Length;
                while (offset < length)
                {
                    var record = ReadRecord(stream, offset, length, next, header, out problem);
                    if (record is null)
                    {
                        break;
                    }
                    offset += RecordHeaderBytes + record.Length;
                    next++;
                }
            }
            if (problem is not null)
            {
                if (!isLast)
                {
                    throw new WriteAheadLogCorruptException(file.Path, offset, problem + " (in a sealed file, not the last one)");
                }
                if (problem.StartsWith("checksummed", StringComparison.Ordinal))
                {
                    throw new WriteAheadLogCorruptException(file.Path, offset, problem);
                }
                var later = FindValidRecord(file.Path, offset + 1, length, next);
                if (later is { } hit)
                {
                    throw new WriteAheadLogCorruptException(file.Path, offset,
                        $"{problem}, but a valid record (position {hit.Position}) follows at offset {hit.Offset}, so this is not a torn tail");
                }
                using (var cut = new FileStream(file.Path, FileMode.Open, FileAccess.Write, FileShare.Read))
                {
                    cut.SetLength(offset);
                    cut.Flush(flushToDisk: true);
                }
                recovered = length - offset;
                length = offset;
            }
            if (isLast)
            {
                lastLength = length;
            }
            else
            {
                sealedBytes += length;
            }
        }
        var activePath = found[^1].Path;
        var active = new FileStream(activePath, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        return new WriteAheadLog(directory, lockFile, found, active, lastLength, sealedBytes, next, recovered);
    }

    /// <summary>The first record after <paramref name="from"/> whose magic, length and checksum are valid and whose position is at least <paramref name="minPosition"/>.</summary>
    private static (long Offset, long Position)? FindValidRecord(string path, long from, long length, long minPosition)
    {
        if (length - from < RecordHeaderBytes)
        {
            return null;
        }
        var bytes = new byte[length - from];
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            stream.Position = from;
            stream.ReadExactly(bytes);
        }
        Span<byte> magic = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(magic, RecordMagic);
        var at = 0;
        while (true)
        {
            var found = bytes.AsSpan(at).IndexOf(magic);
            if (found < 0)
            {
                return null;
            }
            at += found;
            var rest = bytes.AsSpan(at);
            if (rest.Length >= RecordHeaderBytes)
            {
                var payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
                var position = BinaryPrimitives.ReadInt64LittleEndian(rest[12..]);
                if (payloadLength <= MaxPayloadBytes && rest.Length - RecordHeaderBytes >= payloadLength && position >= minPosition)
                {
                    var record = rest[..(RecordHeaderBytes + (int)payloadLength)];
                    if (RecordCrc(record) == BinaryPrimitives.ReadUInt32LittleEndian(rest[8..]))
                    {
                        return (from + at, position);
                    }
                }
            }
            at++;
        }
    }

    private sealed record LogFile(string Path, long FirstPosition);

    private readonly record struct Waiter(TaskCompletionSource<long> Completion, long Position);

    private readonly struct Batch(List<Waiter> waiters, long nextPosition, Exception? failure)
    {
        public long NextPosition { get; } = nextPosition;

        public void Complete()
        {
            foreach (var waiter in waiters)
            {
                if (failure is null)
                {
                    waiter.Completion.TrySetResult(waiter.Position);
                }
                else
                {
                    waiter.Completion.TrySetException(new IOException("Write-ahead log write or fsync failed; this record may or may not be on disk.", failure));
                }
            }
        }
    }
}
