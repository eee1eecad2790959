using System.Collections.Concurrent;
using DaytonaPS.Emulator.Api;
using DaytonaPS.Emulator.Infrastructure;

namespace DaytonaPS.Emulator;

/// <summary>Volumes: pending_create -> ready; delete is refused (409) while a live sandbox mounts one.</summary>
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

    internal VolumeRecord Create(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new DaytonaHttpException(400, "name should not be empty");
        var now = DateTime.UtcNow;
        var volume = new VolumeRecord(Guid.NewGuid().ToString(), name, now);
        lock (_sync)
        {
            if (_byId.Values.Any(v => v.Name == name && v.State != "deleted"))
                throw new DaytonaHttpException(409, $"Volume with name {name} already exists");
            _byId[volume.Id] = volume;
        }
        _ = MoveAsync(volume, "ready");
        return volume;
    }

    internal void Delete(VolumeRecord volume, SandboxStore sandboxes)
    {
        lock (sandboxes.Sync)
        {
            if (sandboxes.Live.Any(s => s.State != "destroying" && s.Volumes.Any(m => m.VolumeId == volume.Id)))
                throw new DaytonaHttpException(409, "Volume is in use by one or more sandboxes");
            if (volume.State is "deleted" or "pending_delete" or "deleting")
                throw new DaytonaHttpException(409, $"Volume {volume.Name} is already being deleted");
            volume.SetState("pending_delete");
        }
        _ = MoveAsync(volume, "deleted");
    }

    private async Task MoveAsync(VolumeRecord volume, string state)
    {
        try
        {
            await Task.Delay(context.Options.TransitionMs, context.Lifetime).ConfigureAwait(false);
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
