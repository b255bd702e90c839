using System.Security.Claims;
using Dashboard.Server.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Dashboard.UnitTests;

public class OperatorAccessTests
{
    private sealed class FakeServer(params string[] addresses) : IServer
    {
        public IFeatureCollection Features { get; } = Collect(addresses);

        private static FeatureCollection Collect(string[] addresses)
        {
            var feature = new ServerAddressesFeature();
            foreach (var address in addresses)
            {
                feature.Addresses.Add(address);
            }
            var features = new FeatureCollection();
            features.Set<IServerAddressesFeature>(feature);
            return features;
        }

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() { }
    }

    private static OperatorAccess Access(SecurityOptions options, params string[] addresses) => new(Options.Create(options), new FakeServer(addresses));

    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity());

    private static ClaimsPrincipal ThroughProxy(ClaimsPrincipal user)
    {
        var copy = user.Clone();
        copy.AddIdentity(new ClaimsIdentity([new Claim(OperatorAccess.ThroughProxy, "true")]));
        return copy;
    }

    [Theory]
    [InlineData(false, "http://127.0.0.1:5000")]
    [InlineData(false, "http://localhost:5000", "http://[::1]:5000")]
    [InlineData(true, "http://0.0.0.0:5000")]
    [InlineData(true, "http://127.0.0.1:5000", "http://192.168.1.20:5000")]
    [InlineData(true, "http://*:80")]
    [InlineData(true, "http://[::]:5000")]
    public void Control_is_open_on_loopback_only_and_protected_on_any_other_address(bool protectedServer, params string[] addresses)
    {
        var access = Access(new SecurityOptions { OperatorToken = "t" }, addresses);
        Assert.Equal(protectedServer, access.Protected(Anonymous));
        Assert.Equal(!protectedServer, access.MayControl(Anonymous));
        Assert.True(access.MayControl(OperatorAccess.Operator("test")));
    }

    [Fact]
    public void A_request_through_a_proxy_needs_the_operator_even_on_loopback_and_an_unknown_principal_may_not_control()
    {
        var access = Access(new SecurityOptions { OperatorToken = "t" }, "http://127.0.0.1:5000");
        Assert.True(access.Protected(ThroughProxy(Anonymous)));
        Assert.False(access.MayControl(ThroughProxy(Anonymous)));
        Assert.True(access.MayControl(ThroughProxy(OperatorAccess.Operator("test"))));
        Assert.False(access.MayControl(null));
        // Forced open is open for proxied requests too: the setting is the operator's own decision.
        Assert.True(Access(new SecurityOptions { RequireOperator = false }, "http://127.0.0.1:5000").MayControl(ThroughProxy(Anonymous)));
    }

    [Fact]
    public void The_token_must_match_exactly_and_no_token_configured_matches_nothing()
    {
        var access = Access(new SecurityOptions { OperatorToken = "abc", RequireOperator = true });
        Assert.True(access.IsToken("abc"));
        Assert.False(access.IsToken("abcd"));
        Assert.False(access.IsToken("ab"));
        Assert.False(access.IsToken(null));
        var none = Access(new SecurityOptions { RequireOperator = true });
        Assert.False(none.HasToken);
        Assert.False(none.IsToken(""));
        Assert.True(Access(new SecurityOptions { RequireOperator = false }, "http://0.0.0.0:80").MayControl(null));
    }

    [Fact]
    public void The_host_names_allowed_are_loopback_the_hosts_listened_on_this_machines_own_when_listening_everywhere_and_the_configured()
    {
        var loopback = ServerNames.Allowed(new FakeServer("http://127.0.0.1:5000"), new SecurityOptions { AllowedHosts = "dash.example.com; *.lab.example" });
        Assert.Equal(["localhost", "127.0.0.1", "[::1]", "dash.example.com", "*.lab.example"], loopback);
        Assert.Contains("192.0.2.10", ServerNames.Allowed(new FakeServer("http://192.0.2.10:80"), new SecurityOptions()));
        foreach (var everywhere in new[] { "http://0.0.0.0:5000", "http://[::]:5000", "http://*:5000" })
        {
            Assert.Contains(System.Net.Dns.GetHostName(), ServerNames.Allowed(new FakeServer(everywhere), new SecurityOptions()));
        }
        Assert.DoesNotContain(System.Net.Dns.GetHostName(), loopback);
    }
}
