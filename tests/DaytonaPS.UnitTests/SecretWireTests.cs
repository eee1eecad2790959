using System.Collections;
using System.Text.Json;
using DaytonaPS.Api;
using DaytonaPS.Auth;
using DaytonaPS.Commands.Sandbox;
using Xunit;

namespace DaytonaPS.UnitTests;

/// <summary>The secret wire format, the retiring of exec sessions after an env change, and the shared create/set checks.</summary>
public sealed class SecretWireTests
{
    [Fact]
    public void ASecureStringValueIsWrittenIntoTheBodyAndNeverReadBack()
    {
        var body = new CreateSecretDto { Name = "npm", Value = SecretText.ToSecureString("tok\"en"), Hosts = new() { "registry.npmjs.org" } };
        var json = JsonSerializer.Serialize(body, DaytonaJson.Options);
        Assert.Equal("{\"name\":\"npm\",\"value\":\"tok\\u0022en\",\"hosts\":[\"registry.npmjs.org\"]}", json);
        Assert.Equal("{}", JsonSerializer.Serialize(new UpdateSecretDto(), DaytonaJson.Options));   // PATCH sends only what changes
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<CreateSecretDto>("{\"name\":\"x\",\"value\":\"v\"}", DaytonaJson.Options));
    }

    [Fact]
    public void SecretMountsBecomeOneSingleKeyObjectPerVariable()
    {
        var mounts = SandboxSettingRules.SecretMounts(new Hashtable { ["API_KEY"] = "anthropic_prod" }, out var problem);
        Assert.Null(problem);
        var entry = Assert.Single(mounts);
        Assert.Equal("anthropic_prod", entry["API_KEY"]);
        Assert.Equal("{\"secrets\":[{\"API_KEY\":\"anthropic_prod\"}]}", JsonSerializer.Serialize(new UpdateSandboxSecretsDto { Secrets = mounts }, DaytonaJson.Options));
        SandboxSettingRules.SecretMounts(new Hashtable { ["1BAD"] = "x" }, out problem);
        Assert.Contains("not an environment variable name", problem);
        SandboxSettingRules.SecretMounts(new Hashtable { ["OK"] = " " }, out problem);
        Assert.Contains("names no secret", problem);
        Assert.Empty(SandboxSettingRules.SecretMounts(new Hashtable(), out problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData(10, 5, false, "exclude each other")]
    [InlineData(null, 5, true, "ephemeral")]
    [InlineData(0, 5, false, null)]
    [InlineData(10, 0, true, null)]
    [InlineData(null, null, false, null)]
    public void AutoPauseFollowsTheSdksRules(int? autoStop, int? autoPause, bool ephemeral, string? problem)
    {
        var message = SandboxSettingRules.CheckAutoPause(autoStop, autoPause, ephemeral);
        if (problem is null) Assert.Null(message);
        else Assert.Contains(problem, message);
    }

    [Fact]
    public void RetiringDropsIdleSessionsAndTheRentedOnesWhenTheyComeBack()
    {
        const string box = "http://toolbox/sb-env";
        var pool = new ExecSessionPool();
        var idle = pool.NewSession(box);
        var rented = pool.NewSession(box);
        pool.Return(box, idle);
        var retired = pool.Retire(box);
        Assert.Equal(idle.Id, Assert.Single(retired).Id);
        Assert.False(pool.TryRent(box, out _));
        Assert.False(pool.Return(box, rented));                // made before the change: not reused
        var fresh = pool.NewSession(box);
        Assert.True(pool.Return(box, fresh));
        Assert.Empty(pool.Retire("http://toolbox/other"));
    }
}
