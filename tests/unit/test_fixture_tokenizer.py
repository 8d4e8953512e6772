"""The fixture models' tokenizer, read by the real tokenizers library as a serving engine would: every byte is one
token whose id is the byte, so any text, multi-byte UTF-8 included, round-trips and fits vocab_size 256."""

import json
import pathlib

from tokenizers import Tokenizer

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"


def test_byte_level_round_trip():
    tokenizer = Tokenizer.from_file(str(FIXTURES / "tokenizer" / "tokenizer.json"))
    assert tokenizer.get_vocab_size() == 256
    for text in ["Hello, Ascend!", "  two spaces\nand a newline\t", "昇腾 910B ✓", "\x00\x7f"]:
        ids = tokenizer.encode(text).ids
        assert ids == list(text.encode("utf-8"))
        assert tokenizer.decode(ids) == text
    config = json.loads((FIXTURES / "models" / "tiny-qwen2-bin" / "config.json").read_text())
    assert config["vocab_size"] == tokenizer.get_vocab_size()


def test_chat_template_renders():
    import jinja2
    config = json.loads((FIXTURES / "tokenizer" / "tokenizer_config.json").read_text())
    template = jinja2.Environment().from_string(config["chat_template"])
    text = template.render(messages=[{"role": "user", "content": "hi"}], add_generation_prompt=True)
    assert text == "user: hi\nassistant: "
