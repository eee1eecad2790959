using System.Collections.Concurrent;
using DaytonaPS.Emulator.Api;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator;

/// <summary>Volumes: pending_create -> ready -> pending_delete -> deleted (apps/api volume.service v0.190).</summary>
public sealed class VolumeStore(EmulatorContext context)
{
    private readonly ConcurrentDictionary<string, VolumeRecord> _byId = new(StringComparer.Ordinal);
    private readonly object _sync = new();

    internal IEnumerable<VolumeRecord> All(bool includeDeleted) =>
        _byId.Values.Where(v => includeDeleted || v.State != "deleted").OrderBy(v => v.CreatedAt);

    internal VolumeRecord? FindLive(string idOrName) =>
        _byId.TryGetValue(idOrName, out var v) && v.State != "deleted"
            ? v
            : _byId.Values.FirstOrDefault(x => x.Name == idOrName && x.State != "deleted");

    internal VolumeRecord GetById(string id) =>
        _byId.TryGetValue(id, out var v) ? v : throw new DaytonaHttpException(404, $"Volume with ID {id} not found");

    internal VolumeRecord GetByName(string name) =>
        _byId.Values.FirstOrDefault(x => x.Name == name && x.State != "deleted")
        ?? throw new DaytonaHttpException(404, $"Volume with name {name} not found");

    /// <summary>volume.service create: no name = the id; a live volume of the same name is 400 (not 409).</summary>
    internal VolumeRecord Create(string? name)
    {
        var now = DateTime.UtcNow;
        var id = Guid.NewGuid().ToString();
        var volume = new VolumeRecord(id, string.IsNullOrEmpty(name) ? id : name, now);
        lock (_sync)
        {
            if (_byId.Values.Any(v => v.Name == volume.Name && v.State != "deleted"))
                throw new DaytonaHttpException(400, $"Volume with name {volume.Name} already exists");
            _byId[volume.Id] = volume;
        }
        _ = MoveAsync(volume, "ready");
        return volume;
    }

    /// <summary>volume.service delete: only ready or error volumes (400), and none a sandbox not being destroyed mounts (409).</summary>
    internal void Delete(VolumeRecord volume, SandboxStore sandboxes)
    {
        lock (sandboxes.Sync)
        {
            if (volume.State is not ("ready" or "error"))
                throw new DaytonaHttpException(400, "Volume must be in 'ready' or 'error' state in order to be deleted");
            var user = sandboxes.Live.FirstOrDefault(s => s.DesiredState != "destroyed" && s.Volumes.Any(m => m.VolumeId == volume.Id));
            if (user is not null)
                throw new DaytonaHttpException(409, $"Volume cannot be deleted because it is in use by one or more sandboxes (e.g. {user.Name})");
            volume.SetState("pending_delete");
        }
        _ = MoveAsync(volume, "deleted");
    }

    /// <summary>Where a volume's files live on the host (the runtime bind-mounts it into each sandbox that names it).</summary>
    internal string HostDirectory(string volumeId, string? subpath)
    {
        var dir = Path.Combine(context.DataDir, "volumes", volumeId);
        return string.IsNullOrEmpty(subpath) ? dir : Path.Combine(dir, subpath.Replace('/', Path.DirectorySeparatorChar));
    }

    private async Task MoveAsync(VolumeRecord volume, string state)
    {
        try
        {
            await Task.Delay(context.Options.TransitionMs, context.Lifetime).ConfigureAwait(false);
            if (state == "deleted")
            {
                try { Runtime.HostFiles.DeleteTree(HostDirectory(volume.Id, null)); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
            volume.SetState(state);
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal VolumeDto ToDto(VolumeRecord v) => new()
    {
        Id = v.Id,
        Name = v.Name,
        OrganizationId = context.Options.EffectiveOrganizationId,
        State = v.State,
        CreatedAt = Iso.Format(v.CreatedAt),
        UpdatedAt = Iso.Format(v.UpdatedAt),
        LastUsedAt = Iso.Format(v.LastUsedAt),
        ErrorReason = null,
    };
}

internal sealed class VolumeRecord(string id, string name, DateTime createdAt)
{
    public string Id { get; } = id;
    public string Name { get; } = name;
    public volatile string State = "pending_create";
    public DateTime CreatedAt { get; } = createdAt;
    public DateTime UpdatedAt { get; private set; } = createdAt;
    public DateTime? LastUsedAt { get; set; }

    public void SetState(string state)
    {
        State = state;
        UpdatedAt = DateTime.UtcNow;
    }
}
