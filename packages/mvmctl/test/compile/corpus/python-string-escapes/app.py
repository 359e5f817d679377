import mvm
@mvm.app(
    name="escapes",
    image=mvm.python_image(),
    env={
        "NEWLINE": "a\nb\tc\rd",
        "QUOTES": 'single \' double \" back \\ slash',
        "HEX": "\x41\x7f\x01\x1f\x00",
        "OCTAL": "\101\0\7\777",
        "UNICODE": "\u00e9\u2028\U0001F600 caf\xe9",
        "RAW": r"C:\path\n\x41",
        "RAW_UPPER": R'\d+\.\d+',
        "UNKNOWN": "keep \q and \w",
        "CONCAT": "abc" 'def' """ghi""" r"\n",
        "TRIPLE": """line1
line2 "quoted" \
continued""",
        "UNI": u"unicode prefix ñ 漢字 😀",
        "BELL": "\a\b\f\v",
        "CONT": "one \
two",
    },
)
def echo(x: str) -> str:
    return x

if __name__ == "__main__":
    mvm.emit_json()
