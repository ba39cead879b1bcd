using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>
/// A request body (REST) or request data (WebSocket) that did not bind, as the <c>invalid</c> error the API
/// documents: the field at fault and what it must be ("'priority' must be an integer."), instead of
/// System.Text.Json's message about .NET types.
/// </summary>
public static partial class JsonBodyErrors
{
    public static AgentChannelException Invalid(JsonException error, Type? bodyType, JsonSerializerOptions options)
    {
        if (string.IsNullOrEmpty(error.Path) || error.Path == "$")
        {
            // Valid JSON of another kind than an object ([] or "x") is not a reader error, and its message would
            // name a .NET type.
            return new AgentChannelException(ErrorKind.Invalid, error.InnerException is JsonException || bodyType is null
                ? $"The request is not valid JSON: {FirstSentence(error.Message)}"
                : "The request must be a JSON object.");
        }
        var field = error.Path.TrimStart('$', '.');
        // A reader error (not JSON at all) arrives wrapped; a value of the wrong type or shape does not.
        var expected = bodyType is null || error.InnerException is JsonException ? null : TypeAt(bodyType, error.Path, options);
        return AgentChannelException.Invalid(field, expected is null
            ? $"'{field}' is not valid: {FirstSentence(error.Message)}"
            : $"'{field}' must be {Describe(expected)}.");
    }

    /// <summary>The type the body's contract gives the value at a JSON path such as <c>$.access_control.read[0]</c>.</summary>
    private static Type? TypeAt(Type type, string path, JsonSerializerOptions options)
    {
        foreach (Match segment in PathSegment().Matches(path))
        {
            if (segment.Groups["name"].Success)
            {
                var name = segment.Groups["name"].Value;
                var property = options.GetTypeInfo(type).Properties
                    .FirstOrDefault(candidate => string.Equals(candidate.Name, name, StringComparison.OrdinalIgnoreCase));
                if (property is null)
                {
                    return null;
                }
                type = property.PropertyType;
            }
            else if (ElementType(type) is { } element)
            {
                type = element;
            }
            else
            {
                return null;
            }
        }
        return type;
    }

    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return "one of: " + string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName));
        }
        if (ElementType(type) is { } element)
        {
            return $"an array whose items are each {Describe(element)}";
        }
        return Type.GetTypeCode(type) switch
        {
            TypeCode.String => "a string",
            TypeCode.Boolean => "true or false",
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32
                or TypeCode.Int64 or TypeCode.UInt64 => "an integer",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            _ when type == typeof(Guid) => "a GUID",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "an ISO 8601 time, such as 2030-01-01T00:00:00Z",
            _ => "a JSON object",
        };
    }

    private static Type? ElementType(Type type) =>
        type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type)
            .FirstOrDefault(candidate => candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            ?.GetGenericArguments()[0];

    /// <summary>
    /// A query or route value that did not parse (<c>?limit=abc</c>), as the <c>invalid</c> error naming it, when
    /// ASP.NET Core's message ("Failed to bind parameter \"Nullable&lt;int&gt; limit\" from \"abc\".") names it and the
    /// endpoint's handler has a parameter of that name to say what it must be; otherwise null.
    /// </summary>
    public static AgentChannelException? UnboundParameter(BadHttpRequestException error, Endpoint? endpoint)
    {
        var match = UnboundParameterMessage().Match(error.Message);
        if (!match.Success)
        {
            return null;
        }
        var name = match.Groups["name"].Value;
        var parameter = endpoint?.Metadata.GetMetadata<System.Reflection.MethodInfo>()?.GetParameters()
            .FirstOrDefault(candidate => candidate.Name == name);
        return parameter is null
            ? null
            : AgentChannelException.Invalid(name, $"'{name}' must be {Describe(parameter.ParameterType)}.");
    }

    /// <summary>System.Text.Json's message without the path and position it appends (the field says where).</summary>
    private static string FirstSentence(string message) =>
        message.Split(" Path: ", 2)[0].Split(" LineNumber: ", 2)[0];

    [GeneratedRegex("""^Failed to bind parameter "[^"]* (?<name>[A-Za-z_][A-Za-z0-9_]*)" from """, RegexOptions.CultureInvariant)]
    private static partial Regex UnboundParameterMessage();

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\[(?<index>\d+)\]|\['(?<name>[^']*)'\]", RegexOptions.CultureInvariant)]
    private static partial Regex PathSegment();
}
