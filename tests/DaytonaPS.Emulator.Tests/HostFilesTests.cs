using DaytonaPS.Emulator.Runtime;
using Xunit;

namespace DaytonaPS.Emulator.Tests;

/// <summary>Discarding a sandbox's tree: gone from its place at once, deleted later off the request path.</summary>
public sealed class HostFilesTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("daytonaps-hostfiles-").FullName;

    public void Dispose() => HostFiles.DeleteTree(_parent);

    private string MakeTree(string name)
    {
        var root = Path.Combine(_parent, name);
        Directory.CreateDirectory(Path.Combine(root, "etc", "deep"));
        File.WriteAllText(Path.Combine(root, "etc", "deep", "file"), "x");
        if (!OperatingSystem.IsWindows())
        {
            // A command may leave a directory the owner cannot write: the deleter must still get through.
            File.SetUnixFileMode(Path.Combine(root, "etc", "deep"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        return root;
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        return condition();
    }

    [Fact]
    public async Task ADiscardedTreeLeavesItsPlaceAtOnceAndIsDeletedLater()
    {
        var root = MakeTree("sb-1");
        HostFiles.Discard(root);
        Assert.False(Directory.Exists(root));
        var trash = Path.Combine(_parent, HostFiles.TrashFolderName);
        Assert.True(Directory.Exists(trash));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(trash));
        }
        Assert.True(await EventuallyAsync(() => !Directory.EnumerateFileSystemEntries(trash).Any()), "the deleter did not empty the trash");
    }

    [Fact]
    public void DiscardingWhatIsNotThereDoesNothing()
    {
        HostFiles.Discard(Path.Combine(_parent, "never-made"));
        Assert.False(Directory.Exists(Path.Combine(_parent, HostFiles.TrashFolderName)));
    }

    [Fact]
    public async Task WhatAnEarlierRunLeftInTheTrashIsDeletedAtStart()
    {
        var trash = Path.Combine(_parent, HostFiles.TrashFolderName);
        Directory.CreateDirectory(trash);
        var left = MakeTree(Path.Combine(HostFiles.TrashFolderName, "left-over"));
        HostFiles.EmptyTrash(_parent);
        Assert.True(await EventuallyAsync(() => !Directory.Exists(left)), "the left-over tree was not deleted");
    }
}
