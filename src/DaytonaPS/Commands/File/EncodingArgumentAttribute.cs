using System;
using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace DaytonaPS.Commands.Files;

/// <summary>
/// -Encoding as Get-Content/Set-Content take it: an Encoding, a name (utf8, utf8NoBOM, utf8BOM,
/// ascii, unicode, bigendianunicode, utf32, latin1, or any name .NET knows) or a code page number.
/// utf8 means UTF-8 without a byte order mark, as in PowerShell 7.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class EncodingArgumentAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var input = inputData is PSObject pso ? pso.BaseObject : inputData;
        switch (input)
        {
            case null: return null;
            case Encoding e: return e;
            case int codePage: return Encoding.GetEncoding(codePage);
            case string name: return FromName(name);
            default: throw new ArgumentTransformationMetadataException($"{input.GetType().Name} is not an encoding.");
        }
    }

    internal static Encoding FromName(string name)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "utf8":
            case "utf8nobom":
            case "utf-8": return new UTF8Encoding(false);
            case "utf8bom": return new UTF8Encoding(true);
            case "ascii": return Encoding.ASCII;
            case "unicode": return Encoding.Unicode;
            case "bigendianunicode": return Encoding.BigEndianUnicode;
            case "utf32": return Encoding.UTF32;
            case "latin1": return Encoding.GetEncoding(28591);
        }
        try
        {
            return int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var codePage) ? Encoding.GetEncoding(codePage) : Encoding.GetEncoding(name);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentTransformationMetadataException($"'{name}' is not an encoding: use utf8, utf8BOM, ascii, unicode, bigendianunicode, utf32, latin1, or a code page.", ex);
        }
    }
}
