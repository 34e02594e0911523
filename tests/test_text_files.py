"""Every reader of text files takes UTF-8 with or without a byte-order mark, LF or CRLF, and names the line of other encodings."""
import ast
import codecs
from pathlib import Path

import pytest

import companion
from companion.data import TaggedSentence, intent_vocabulary, read_slot_folder
from companion.data import shakespeare
from companion.data.text import decode_text, read_lines, read_text
from companion.tag import main
from companion.training import load_splits

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BOM = codecs.BOM_UTF8

PLAIN = {
    "seq.in": "fly to dallas\nshow fares\n",
    "seq.out": "O O B-toloc.city_name\nO O\n",
    "label": "atis_flight\natis_flight\n",
}
EXPECTED = [
    TaggedSentence(("fly", "to", "dallas"), ("O", "O", "B-toloc.city_name"), "atis_flight"),
    TaggedSentence(("show", "fares"), ("O", "O"), "atis_flight"),
]


def write_folder(root: Path, encode, splits=("train",)) -> Path:
    """A slot folder whose files hold PLAIN's text turned into bytes by ``encode``."""
    for split in splits:
        (root / split).mkdir(parents=True)
        for name, text in PLAIN.items():
            (root / split / name).write_bytes(encode(text))
    return root


SAVED_AS = {
    "LF": lambda text: text.encode("utf-8"),
    "BOM": lambda text: BOM + text.encode("utf-8"),
    "CRLF": lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    "BOM and CRLF": lambda text: BOM + text.replace("\n", "\r\n").encode("utf-8"),
    "CR": lambda text: text.replace("\n", "\r").encode("utf-8"),
    "BOM, CRLF, no final newline": lambda text: BOM + text.rstrip("\n").replace("\n", "\r\n").encode("utf-8"),
}


@pytest.mark.parametrize("saved_as", list(SAVED_AS))
def test_a_slot_folder_reads_the_same_however_its_files_were_saved(tmp_path, saved_as):
    assert read_slot_folder(write_folder(tmp_path, SAVED_AS[saved_as]), "train") == EXPECTED


def test_a_windows_editors_bom_makes_no_new_word_or_intent(tmp_path):
    # The issue: seq.in and label saved with a BOM gave the word '\ufefffly' and a second intent.
    folder = write_folder(tmp_path, SAVED_AS["LF"])
    for name in ("seq.in", "label"):
        path = folder / "train" / name
        path.write_bytes(BOM + path.read_bytes())
    sentences = read_slot_folder(folder, "train")
    assert sentences[0].words[0] == "fly"
    assert [s.intent for s in sentences] == ["atis_flight", "atis_flight"]
    assert intent_vocabulary(sentences).entries == ("<unk>", "atis_flight")


def test_the_command_line_reads_a_folder_saved_on_windows(tmp_path):
    windows = write_folder(tmp_path / "windows", SAVED_AS["BOM and CRLF"], ("train", "valid", "test"))
    plain = write_folder(tmp_path / "plain", SAVED_AS["LF"], ("train", "valid", "test"))
    assert load_splits(str(windows)) == load_splits(str(plain))


# ---- other encodings are rejected, with the file, the line and the byte named -----------------


def test_a_latin1_file_is_rejected_naming_file_line_and_byte(tmp_path):
    folder = write_folder(tmp_path, SAVED_AS["LF"])
    (folder / "train" / "seq.in").write_bytes("fly to dallas\nshow fères\n".encode("latin-1"))
    with pytest.raises(
        ValueError,
        match=r"train[/\\]seq\.in: line 2 is not UTF-8 \(byte 0xe8 at offset 20\); expected UTF-8 text.*save the file as UTF-8",
    ):
        read_slot_folder(folder, "train")


def test_the_offset_counts_the_bom_and_the_line_counts_crlf(tmp_path):
    path = tmp_path / "words.txt"
    path.write_bytes(BOM + b"a\r\nb\r\nc\xe9\r\n")
    with pytest.raises(ValueError, match=r"words\.txt: line 3 is not UTF-8 \(byte 0xe9 at offset 10\)"):
        read_text(path)
    path.write_bytes(b"a\rb\rc\xe9\r")
    with pytest.raises(ValueError, match=r"words\.txt: line 3 is not UTF-8 \(byte 0xe9 at offset 5\)"):
        read_lines(path)


def test_utf16_is_rejected_with_or_without_its_bom(tmp_path):
    path = tmp_path / "label"
    path.write_bytes("atis_flight\n".encode("utf-16"))  # with the BOM
    with pytest.raises(ValueError, match=r"label: line 1 is not UTF-8 \(byte 0xff at offset 0\) \(it starts with a UTF-16 byte-order mark\)"):
        read_lines(path)
    path.write_bytes("atis_flight\n".encode("utf-16-le"))  # valid UTF-8, but full of NUL bytes
    with pytest.raises(ValueError, match=r"label: line 1 holds a NUL byte \(at offset 1\).*is the file UTF-16\?"):
        read_lines(path)


def test_the_command_line_stops_on_a_latin1_file(tmp_path, capsys):
    data = write_folder(tmp_path / "data", SAVED_AS["LF"], ("train", "valid", "test"))
    (data / "valid" / "label").write_bytes(b"atis_flight\natis_a\xefrfare\n")
    with pytest.raises(SystemExit) as stop:
        main(["--data", str(data), "--model", "elman", "--epochs", "1", "--device", "cpu"])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "label: line 2 is not UTF-8 (byte 0xef at offset 18)" in error


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda tmp: read_text(tmp / "missing.txt"), r"missing\.txt: expected a readable file, got No such file"),
        (lambda tmp: read_text(tmp), r"expected a readable file, got Is a directory"),
        (lambda tmp: read_text(3), r"path: expected a path to a text file, got int: 3"),
        (lambda tmp: decode_text("text", "x"), r"data: expected the bytes of a file, got str"),
    ],
    ids=["missing", "folder", "not a path", "not bytes"],
)
def test_bad_arguments_are_named(tmp_path, call, message):
    with pytest.raises(ValueError, match=message):
        call(tmp_path)


def test_only_one_bom_is_removed_and_lines_keep_their_spaces(tmp_path):
    path = tmp_path / "text.txt"
    path.write_bytes(BOM + BOM + b" a \r\n\r\nb")
    assert read_text(path) == "\ufeff a \n\nb"
    assert read_lines(path) == ["\ufeff a ", "", "b"]
    path.write_bytes(b"")
    assert read_lines(path) == []


# ---- Tiny Shakespeare ----------------------------------------------------------------------


def test_tiny_shakespeare_is_read_through_the_shared_reader(tmp_path, monkeypatch):
    # The loader's sha256 check refuses a re-saved copy, so the fetched path is replaced.
    text = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n"
    copy = tmp_path / "input.txt"
    copy.write_bytes(BOM + text.replace("\n", "\r\n").encode("utf-8"))
    monkeypatch.setattr(shakespeare, "fetch", lambda remote: copy)
    assert shakespeare.load_tiny_shakespeare() == text


def test_the_real_tiny_shakespeare_text_is_its_bytes_unchanged(tmp_path, monkeypatch):
    path = SHARED_DATA / "tinyshakespeare" / "input.txt"
    if not path.is_file():
        pytest.skip(f"no data mirror with tinyshakespeare/input.txt at {SHARED_DATA}")
    monkeypatch.setenv("COMPANION_DATA_MIRROR", str(SHARED_DATA))
    monkeypatch.setenv("COMPANION_CACHE", str(tmp_path / "cache"))
    data = path.read_bytes()
    assert not data.startswith(BOM) and b"\r" not in data
    assert shakespeare.load_tiny_shakespeare() == data.decode("utf-8")


# ---- no other module reads or decodes text files itself ------------------------------------

PACKAGE = Path(companion.__file__).resolve().parent
READER = PACKAGE / "data" / "text.py"


def _text_reads(path: Path) -> list[str]:
    """Calls in ``path`` that read a file as text, bypassing the shared reader.

    Decoding bytes counts too in the data loaders (the bytes of an archive member are a text
    file); elsewhere bytes are images or base64, not text files.
    """
    loader = path.parent.name == "data"
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        if name in ("read_text", "read_bytes", "readlines", "loadtxt", "read_csv", "read_table") and not (
            isinstance(function, ast.Name) and name == "read_text"  # the shared reader itself
        ):
            found.append(f"{path.name}:{node.lineno} .{name}()")
        elif loader and name == "decode" and any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args):
            found.append(f"{path.name}:{node.lineno} .decode({node.args[0].value!r})")
        elif name == "open" and isinstance(function, ast.Name):
            mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
            text_mode = mode is None or not (isinstance(mode, ast.Constant) and "b" in mode.value)
            if text_mode and not (isinstance(mode, ast.Constant) and "w" in mode.value):
                found.append(f"{path.name}:{node.lineno} open() in text mode")
    return found


def test_every_text_file_is_read_through_companion_data_text():
    modules = [path for path in PACKAGE.rglob("*.py") if path != READER]
    offenders = [call for path in modules for call in _text_reads(path)]
    assert not offenders, (
        "read text files with companion.data.text.read_text/read_lines (or decode_text for the "
        f"bytes of an archive member), never by hand: {offenders}"
    )
