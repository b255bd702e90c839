using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Dashboard.Server.Team;

/// <summary>
/// ASP.NET Core Data Protection keys kept in the team database, so every front-end can read the
/// operator's login cookie and the antiforgery tokens any other front-end issued.
/// </summary>
public sealed class TeamKeyRepository(TeamStore store) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => [.. store.DataProtectionKeys().Select(XElement.Parse)];

    public void StoreElement(XElement element, string friendlyName) =>
        store.SaveDataProtectionKey(friendlyName, element.ToString(SaveOptions.DisableFormatting));
}
