using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CallGrains.Domain.Calls;

namespace CallGrains.Api.Billing;

/// <summary>
/// Writes records into a buffer (the response's pipe) one at a time; nothing is kept once a record is written, so an
/// export holds no more than the page being written and what the pipe has not sent yet.
/// </summary>
internal abstract class ExportWriter : IRecordSink
{
    /// <summary>
    /// Text as it is ("+8613800001234", not "\u002B8613800001234"): an export is a download, never embedded in a page,
    /// and its response says nosniff.
    /// </summary>
    protected static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public abstract string ContentType { get; }
    public abstract string Extension { get; }

    public static ExportWriter For(ExportFormat format, IBufferWriter<byte> output) => format switch
    {
        ExportFormat.Csv => new CsvExportWriter(output),
        _ => new NdjsonExportWriter(output),
    };

    /// <summary>Whatever precedes the first record (a CSV header).</summary>
    public virtual void Begin()
    {
    }

    /// <summary>Writes one record whose fields <paramref name="fields"/> gives.</summary>
    public abstract void Write<T>(Action<IRecordSink, T> fields, T record);

    public abstract void Text(string name, string? value);
    public abstract void Number(string name, long? value);
    public abstract void Time(string name, DateTimeOffset? value);
    public abstract void Map(string name, IReadOnlyDictionary<string, string>? value);
}

/// <summary>One JSON object per line (NDJSON); fields a record does not have are left out, absent facts are null.</summary>
internal sealed class NdjsonExportWriter(IBufferWriter<byte> output) : ExportWriter
{
    private readonly Utf8JsonWriter _json = new(output, new JsonWriterOptions { Encoder = Encoder });

    public override string ContentType => "application/x-ndjson; charset=utf-8";
    public override string Extension => "ndjson";

    public override void Write<T>(Action<IRecordSink, T> fields, T record)
    {
        // A JSON writer writes one root value; reset for each line.
        _json.Reset(output);
        _json.WriteStartObject();
        fields(this, record);
        _json.WriteEndObject();
        _json.Flush();
        output.Write("\n"u8);
    }

    public override void Text(string name, string? value)
    {
        if (value is null) _json.WriteNull(name);
        else _json.WriteString(name, value);
    }

    public override void Number(string name, long? value)
    {
        if (value is { } number) _json.WriteNumber(name, number);
        else _json.WriteNull(name);
    }

    public override void Time(string name, DateTimeOffset? value)
    {
        if (value is not { } time)
        {
            _json.WriteNull(name);
            return;
        }
        Span<char> text = stackalloc char[32];
        _json.WriteString(name, text[..CallJson.FormatTime(time, text)]);
    }

    public override void Map(string name, IReadOnlyDictionary<string, string>? value)
    {
        if (value is null)
        {
            _json.WriteNull(name);
            return;
        }
        _json.WriteStartObject(name);
        foreach (var (key, text) in value.OrderBy(p => p.Key, StringComparer.Ordinal)) _json.WriteString(key, text);
        _json.WriteEndObject();
    }
}

/// <summary>
/// RFC 4180: a header row, then one row per record with every column (empty where a record has no such field), CRLF
/// line ends, and a field quoted when it holds a comma, a quote or a line break (its quotes doubled). A request's
/// attributes are one column holding their JSON object.
/// </summary>
internal sealed class CsvExportWriter(IBufferWriter<byte> output) : ExportWriter
{
    private static readonly FrozenDictionary<string, int> ColumnIndex =
        BillingRecords.Columns.Select((name, i) => (name, i)).ToFrozenDictionary(p => p.name, p => p.i, StringComparer.Ordinal);

    private static readonly JsonSerializerOptions AttributeJson = new() { Encoder = Encoder };

    private readonly string?[] _fields = new string?[BillingRecords.Columns.Length];
    private readonly StringBuilder _line = new();

    public override string ContentType => "text/csv; charset=utf-8; header=present";
    public override string Extension => "csv";

    public override void Begin() => WriteLine(BillingRecords.Columns);

    public override void Write<T>(Action<IRecordSink, T> fields, T record)
    {
        Array.Clear(_fields);
        fields(this, record);
        WriteLine(_fields);
    }

    public override void Text(string name, string? value) => _fields[ColumnIndex[name]] = value;

    public override void Number(string name, long? value) =>
        _fields[ColumnIndex[name]] = value?.ToString(CultureInfo.InvariantCulture);

    public override void Time(string name, DateTimeOffset? value)
    {
        if (value is not { } time) return;
        Span<char> text = stackalloc char[32];
        _fields[ColumnIndex[name]] = new string(text[..CallJson.FormatTime(time, text)]);
    }

    public override void Map(string name, IReadOnlyDictionary<string, string>? value) =>
        _fields[ColumnIndex[name]] = value is null
            ? null
            : JsonSerializer.Serialize(new SortedDictionary<string, string>(value.ToDictionary(), StringComparer.Ordinal), AttributeJson);

    private void WriteLine(IReadOnlyList<string?> fields)
    {
        _line.Clear();
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0) _line.Append(',');
            Append(fields[i]);
        }
        _line.Append("\r\n");
        Encoding.UTF8.GetBytes(_line.ToString(), output);
    }

    private void Append(string? field)
    {
        if (field is null) return;
        if (field.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            _line.Append(field);
            return;
        }
        _line.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
