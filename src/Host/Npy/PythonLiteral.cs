using System.Globalization;
using System.Text;

namespace FedActors.Host.Npy;

/// <summary>A Python tuple in an .npy header, kept apart from a list because NumPy requires the shape to be a tuple.</summary>
internal sealed record PythonTuple(IReadOnlyList<object?> Items);

/// <summary>
/// Parses the subset of Python literal syntax that .npy headers use (what NumPy's reader accepts through
/// <c>ast.literal_eval</c>): dicts, tuples, lists, quoted strings, integers (with Python 2's <c>L</c> suffix), True,
/// False and None. Values come back as <see cref="Dictionary{TKey,TValue}"/> (string keys), <see cref="PythonTuple"/>,
/// <see cref="List{T}"/>, <see cref="string"/>, <see cref="long"/>, <see cref="bool"/> and null.
/// </summary>
internal sealed class PythonLiteral
{
    // A header is a few hundred bytes; the limit only stops a hostile file from exhausting the stack.
    private const int MaxDepth = 32;

    private readonly string _text;
    private int _position;

    private PythonLiteral(string text) => _text = text;

    /// <summary>Parses <paramref name="text"/> as exactly one dict literal; throws <see cref="FormatException"/> saying where it fails.</summary>
    public static Dictionary<string, object?> ParseDict(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new PythonLiteral(text);
        parser.SkipWhitespace();
        if (parser.Peek() != '{')
            throw parser.Error("expected '{' at the start");
        var dict = (Dictionary<string, object?>)parser.ParseValue(0)!;
        parser.SkipWhitespace();
        if (parser._position < text.Length)
            throw parser.Error("unexpected text after the closing '}'");
        return dict;
    }

    private object? ParseValue(int depth)
    {
        if (depth > MaxDepth)
            throw Error($"nested deeper than {MaxDepth} levels");
        SkipWhitespace();
        var c = Peek();
        return c switch
        {
            '{' => ParseDict(depth),
            '(' => ParseParenthesised(depth),
            '[' => ParseList(depth),
            '\'' or '"' => ParseString(),
            '-' or (>= '0' and <= '9') => ParseInteger(),
            _ when char.IsAsciiLetter(c) || c == '_' => ParseName(),
            '\0' when _position >= _text.Length => throw Error("unexpected end"),
            _ => throw Error($"unexpected character '{c}'"),
        };
    }

    private Dictionary<string, object?> ParseDict(int depth)
    {
        Expect('{');
        var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (true)
        {
            SkipWhitespace();
            if (TryConsume('}'))
                return dict;
            var keyStart = _position;
            if (ParseValue(depth + 1) is not string key)
                throw Error("a key is not a string", keyStart);
            if (dict.ContainsKey(key))
                throw Error($"key '{key}' appears twice", keyStart);
            SkipWhitespace();
            Expect(':');
            dict[key] = ParseValue(depth + 1);
            SkipWhitespace();
            if (!TryConsume(','))
            {
                SkipWhitespace();
                Expect('}');
                return dict;
            }
        }
    }

    /// <summary>"()" is the empty tuple, "(x)" is just x, "(x,)" and "(x, y)" are tuples, as in Python.</summary>
    private object? ParseParenthesised(int depth)
    {
        Expect('(');
        SkipWhitespace();
        if (TryConsume(')'))
            return new PythonTuple([]);
        var first = ParseValue(depth + 1);
        SkipWhitespace();
        if (TryConsume(')'))
            return first;
        Expect(',');
        var items = new List<object?> { first };
        ParseSequenceRest(')', items, depth);
        return new PythonTuple(items);
    }

    private List<object?> ParseList(int depth)
    {
        Expect('[');
        var items = new List<object?>();
        SkipWhitespace();
        if (TryConsume(']'))
            return items;
        items.Add(ParseValue(depth + 1));
        SkipWhitespace();
        if (TryConsume(']'))
            return items;
        Expect(',');
        ParseSequenceRest(']', items, depth);
        return items;
    }

    /// <summary>After "first,": more comma-separated items, a trailing comma allowed, then <paramref name="close"/>.</summary>
    private void ParseSequenceRest(char close, List<object?> items, int depth)
    {
        while (true)
        {
            SkipWhitespace();
            if (TryConsume(close))
                return;
            items.Add(ParseValue(depth + 1));
            SkipWhitespace();
            if (!TryConsume(','))
            {
                SkipWhitespace();
                Expect(close);
                return;
            }
        }
    }

    private string ParseString()
    {
        var start = _position;
        var quote = _text[_position++];
        var value = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length || _text[_position] == '\n')
                throw Error("unterminated string", start);
            var c = _text[_position++];
            if (c == quote)
                return value.ToString();
            if (c != '\\')
            {
                value.Append(c);
                continue;
            }
            if (_position >= _text.Length)
                throw Error("unterminated string", start);
            var escaped = _text[_position++];
            value.Append(escaped switch
            {
                '\\' or '\'' or '"' => escaped,
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                _ => throw Error($"unsupported escape '\\{escaped}' in a string", _position - 2),
            });
        }
    }

    private long ParseInteger()
    {
        var start = _position;
        if (_text[_position] == '-')
            _position++;
        var digitsStart = _position;
        while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            _position++;
        if (_position == digitsStart)
            throw Error("expected digits after '-'", start);
        var digits = _text[start.._position];
        // Python 2 wrote shapes as (3L, 4L); NumPy still reads such files.
        if (_position < _text.Length && _text[_position] is 'L' or 'l')
            _position++;
        if (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] is '.' or '_'))
            throw Error("only whole numbers are expected in a header", start);
        if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw Error($"integer {digits} is out of range", start);
        return value;
    }

    private object? ParseName()
    {
        var start = _position;
        while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] == '_'))
            _position++;
        return _text[start.._position] switch
        {
            "True" => true,
            "False" => false,
            "None" => null,
            var name => throw Error($"unexpected name '{name}' (only True, False and None are literals)", start),
        };
    }

    private void SkipWhitespace()
    {
        while (_position < _text.Length && _text[_position] is ' ' or '\t' or '\n' or '\r')
            _position++;
    }

    private char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private bool TryConsume(char c)
    {
        if (Peek() != c || _position >= _text.Length)
            return false;
        _position++;
        return true;
    }

    private void Expect(char c)
    {
        if (!TryConsume(c))
            throw Error(_position >= _text.Length ? $"expected '{c}', found the end" : $"expected '{c}', found '{_text[_position]}'");
    }

    private FormatException Error(string problem, int? at = null) =>
        new($"{problem} at character {(at ?? _position) + 1}");
}
