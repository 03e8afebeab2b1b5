using System.Runtime.InteropServices;

namespace CallGrains.Postgres.Spool;

/// <summary>
/// The spool's fsyncs, in one place: a push is acknowledged from the spool only after its bytes reached the disk, and a
/// new or deleted file only counts once its directory entry did. Tests replace it to count and hold fsyncs.
/// </summary>
internal class SpoolDisk
{
    public virtual void Flush(FileStream file) => file.Flush(flushToDisk: true);

    /// <summary>fsync of a directory, so that a file created or renamed in it survives a power loss.</summary>
    public virtual void FlushDirectory(string directory)
    {
        // .NET has no API for it; Windows makes directory entries durable with the file.
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var handle = Native.Open(directory, OperatingSystem.IsLinux() ? Native.LinuxReadOnlyDirectory : Native.MacReadOnly);
        if (handle < 0) throw new IOException($"Cannot open the spool directory {directory} to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (Native.Fsync(handle) != 0)
                throw new IOException($"fsync of the spool directory {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = Native.Close(handle);
        }
    }

    private static class Native
    {
        // O_RDONLY | O_DIRECTORY (Linux); O_RDONLY on macOS, where a directory opens read-only as it is.
        public const int LinuxReadOnlyDirectory = 0x10000;
        public const int MacReadOnly = 0;

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int descriptor);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int descriptor);
    }
}
