namespace DaytonaPS;

/// <summary>An exception raised by code in an interpreter context, as Daytona reports it.</summary>
public sealed class CodeError
{
    internal CodeError(string name, string value, string traceback)
    {
        Name = name;
        Value = value;
        Traceback = traceback;
    }

    /// <summary>The exception's type, e.g. ZeroDivisionError.</summary>
    public string Name { get; }
    /// <summary>Its message, e.g. "division by zero".</summary>
    public string Value { get; }
    /// <summary>The traceback of the submitted code's frames (File "&lt;stdin&gt;", line N), ending in "Name: Value".</summary>
    public string Traceback { get; }

    public override string ToString() => Name + ": " + Value;
}
