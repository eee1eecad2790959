using System;
using System.Runtime.InteropServices;
using System.Security;

namespace DaytonaPS.Auth;

/// <summary>SecureString helpers (work on .NET Framework 4.7.2 and .NET).</summary>
internal static class SecretText
{
    public static SecureString ToSecureString(string value)
    {
        var s = new SecureString();
        foreach (var c in value) s.AppendChar(c);
        s.MakeReadOnly();
        return s;
    }

    /// <summary>The plain value, for the Authorization header only. Never log or store the result.</summary>
    public static string Reveal(SecureString value)
    {
        var ptr = IntPtr.Zero;
        try
        {
            ptr = Marshal.SecureStringToGlobalAllocUnicode(value);
            return Marshal.PtrToStringUni(ptr) ?? string.Empty;
        }
        finally
        {
            if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }

    /// <summary>A short, non-reversible fingerprint so cached connections can be matched without keeping plain text.</summary>
    public static string Fingerprint(params string?[] parts)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        var bytes = sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(string.Join("\u0001", parts)));
        return BitConverter.ToString(bytes, 0, 12).Replace("-", string.Empty);
    }
}
