"""Definition text -> TableSpec: grammar, types, errors and the seed tutorials' tables."""

from __future__ import annotations

import pytest

from joinery.definition import (
    AttributeSpec,
    ForeignKeySpec,
    IndexSpec,
    TableSpec,
    TypeSpec,
    parse_definition,
    parse_type,
)
from joinery.errors import DataJointError


def attr(spec: TableSpec, name: str) -> AttributeSpec:
    """The attribute called ``name`` in ``spec``."""
    return next(a for a in spec.attributes if a.name == name)


# --- layout: comments, separator, blank lines, indentation ------------------------------------


def test_first_comment_line_becomes_table_comment():
    spec = parse_definition("\n  # Images for blob detection\n  image_id : int16\n")
    assert spec.comment == "Images for blob detection"


def test_later_comment_lines_and_blank_lines_are_ignored():
    spec = parse_definition("# table\na : int16\n\n# just a note\n   \n---\nb : int32\n")
    assert [a.name for a in spec.attributes] == ["a", "b"]
    assert spec.comment == "table"


def test_comment_after_first_line_is_not_table_comment():
    spec = parse_definition("a : int16\n# not the table comment\n")
    assert spec.comment == ""


def test_separator_splits_primary_key_from_secondary():
    spec = parse_definition("a : int16\n----------\nb : int32\n")
    assert attr(spec, "a").in_key and not attr(spec, "b").in_key


def test_without_separator_every_attribute_is_key():
    spec = parse_definition("a : int16\nb : int32")
    assert all(a.in_key for a in spec.attributes)


def test_indentation_is_ignored():
    flat = parse_definition("a : int16\n---\nb : int32")
    indented = parse_definition("\n        a : int16\n        ---\n        b : int32\n    ")
    assert indented == flat


def test_line_numbers_count_from_first_non_blank_line():
    spec = parse_definition("\n\n# comment\na : int16\n---\nb : int32")
    assert attr(spec, "a").line == 2
    assert attr(spec, "b").line == 4


# --- attribute lines --------------------------------------------------------------------------


def test_attribute_with_default_and_comment():
    spec = parse_definition("k : int16\n---\nnoise_level = 50 : float64  # the noise")
    noise = attr(spec, "noise_level")
    assert (noise.default, noise.comment, noise.type.core) == ("50", "the noise", "float64")
    assert noise.nullable is False


@pytest.mark.parametrize("literal", ["50", "-1.5", "1e-3", ".5", "'abc'", '"abc"', "''"])
def test_number_and_quoted_defaults_are_kept_as_written(literal):
    spec = parse_definition(f"k : int16\n---\nv = {literal} : varchar(8)")
    assert attr(spec, "v").default == literal


@pytest.mark.parametrize("word", ["null", "NULL", "Null"])
def test_null_default_makes_attribute_nullable(word):
    spec = parse_definition(f"k : int16\n---\nv = {word} : int32")
    assert attr(spec, "v").nullable is True
    assert attr(spec, "v").default is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
        ("current_timestamp", "CURRENT_TIMESTAMP"),
        ("Current_Timestamp(3)", "CURRENT_TIMESTAMP(3)"),
    ],
)
def test_current_timestamp_default_in_any_case(written, expected):
    spec = parse_definition(f"k : int16\n---\nts = {written} : datetime(3)")
    assert attr(spec, "ts").default == expected


def test_unquoted_word_default_becomes_string_literal():
    spec = parse_definition("k : int16\n---\nsex = M : enum('M','F')")
    assert attr(spec, "sex").default == "'M'"


def test_hash_and_colon_inside_quoted_default_are_not_separators():
    spec = parse_definition('k : int16\n---\nv = "a#b:c" : varchar(20) # real: comment')
    v = attr(spec, "v")
    assert (v.default, v.type.core, v.comment) == ('"a#b:c"', "varchar(20)", "real: comment")


def test_legacy_spacing_without_blanks():
    spec = parse_definition("k:int16\n---\nnoise=50: float64#noise\nname='x':varchar(4)")
    assert attr(spec, "noise").default == "50"
    assert attr(spec, "noise").comment == "noise"
    assert attr(spec, "name").default == "'x'"


@pytest.mark.parametrize(
    ("line", "core"),
    [
        ("id : int auto_increment", "int32"),
        ("id : int unsigned auto_increment", "uint32"),
        ("id : INT(11) UNSIGNED AUTO_INCREMENT", "uint32"),
        ("id : uint16 auto_increment", "uint16"),
    ],
)
def test_auto_increment_after_integer_type(line, core):
    spec = parse_definition(line)
    assert attr(spec, "id").auto_increment is True
    assert attr(spec, "id").type.core == core


def test_attribute_without_auto_increment_has_flag_false():
    assert attr(parse_definition("id : int"), "id").auto_increment is False


# --- types ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "bits", "unsigned"),
    [
        ("int8", "int", 8, False),
        ("int16", "int", 16, False),
        ("int32", "int", 32, False),
        ("int64", "int", 64, False),
        ("uint8", "int", 8, True),
        ("uint16", "int", 16, True),
        ("uint32", "int", 32, True),
        ("uint64", "int", 64, True),
        ("float32", "float", 32, False),
        ("float64", "float", 64, False),
    ],
)
def test_core_numeric_types(text, category, bits, unsigned):
    spec = parse_type(text)
    assert (spec.core, spec.category, spec.bits, spec.unsigned, spec.native) == (
        text,
        category,
        bits,
        unsigned,
        False,
    )


@pytest.mark.parametrize("text", ["bool", "uuid", "json", "bytes", "date", "datetime"])
def test_core_simple_types_are_their_own_category(text):
    spec = parse_type(text)
    assert (spec.core, spec.category, spec.native) == (text, text, False)


def test_datetime_with_fractional_seconds():
    spec = parse_type("datetime(3)")
    assert (spec.core, spec.category, spec.precision) == ("datetime(3)", "datetime", 3)


@pytest.mark.parametrize(
    ("text", "core", "length", "fixed"),
    [
        ("char(8)", "char(8)", 8, True),
        ("varchar(255)", "varchar(255)", 255, False),
        ("VARCHAR (20)", "varchar(20)", 20, False),
    ],
)
def test_char_and_varchar(text, core, length, fixed):
    spec = parse_type(text)
    assert (spec.core, spec.category, spec.length, spec.fixed) == (core, "string", length, fixed)


def test_enum_members_keep_order_case_and_quoted_separators():
    spec = parse_type("""enum('Low', "mid:#", 'it''s', 'a,b')""")
    assert spec.category == "enum"
    assert spec.members == ("Low", "mid:#", "it's", "a,b")
    assert spec.core == "enum('Low','mid:#','it''s','a,b')"


def test_enum_attribute_with_hash_inside_member_keeps_comment():
    spec = parse_definition("k : int16\n---\nlevel : enum('a#1', 'b:2')  # the level")
    level = attr(spec, "level")
    assert level.type.members == ("a#1", "b:2")
    assert level.comment == "the level"


def test_decimal():
    spec = parse_type("decimal(5, 2)")
    assert (spec.core, spec.category, spec.precision, spec.scale, spec.native) == (
        "decimal(5,2)",
        "decimal",
        5,
        2,
        False,
    )


@pytest.mark.parametrize(
    ("text", "core", "unsigned"),
    [
        ("int", "int32", False),
        ("integer", "int32", False),
        ("int(11)", "int32", False),
        ("int unsigned", "uint32", True),
        ("int(10) unsigned", "uint32", True),
        ("tinyint", "int8", False),
        ("tinyint unsigned", "uint8", True),
        ("smallint", "int16", False),
        ("smallint unsigned", "uint16", True),
        ("mediumint", "int32", False),
        ("mediumint unsigned", "uint32", True),
        ("bigint", "int64", False),
        ("BIGINT(20) UNSIGNED", "uint64", True),
    ],
)
def test_legacy_integer_spellings_map_to_core_names(text, core, unsigned):
    spec = parse_type(text)
    assert (spec.core, spec.category, spec.unsigned, spec.native) == (core, "int", unsigned, True)


@pytest.mark.parametrize(
    ("text", "core", "bits"), [("float", "float32", 32), ("double", "float64", 64), ("real", "float64", 64)]
)
def test_legacy_float_spellings(text, core, bits):
    spec = parse_type(text)
    assert (spec.core, spec.category, spec.bits, spec.native) == (core, "float", bits, True)


def test_boolean_is_bool():
    spec = parse_type("boolean")
    assert (spec.core, spec.category, spec.native) == ("bool", "bool", True)


@pytest.mark.parametrize(
    ("text", "core", "category"),
    [
        ("time", "time", "time"),
        ("timestamp", "timestamp", "timestamp"),
        ("text", "text", "string"),
        ("tinytext", "tinytext", "string"),
        ("mediumtext", "mediumtext", "string"),
        ("longtext", "longtext", "string"),
        ("longblob", "longblob", "blob"),
        ("mediumblob", "mediumblob", "blob"),
        ("blob", "blob", "blob"),
        ("tinyblob", "tinyblob", "blob"),
        ("LONGBLOB", "longblob", "blob"),
    ],
)
def test_native_types_keep_their_word(text, core, category):
    spec = parse_type(text)
    assert (spec.core, spec.category, spec.native) == (core, category, True)
    assert spec.length is None


@pytest.mark.parametrize(
    ("text", "codec", "store"),
    [
        ("<blob>", "blob", None),
        ("<blob@store>", "blob", "store"),
        ("<attach>", "attach", None),
        ("<attach@s3>", "attach", "s3"),
        ("<filepath@data>", "filepath", "data"),
        ("<object@store>", "object", "store"),
        ("<hash@store>", "hash", "store"),
        ("<npy@store>", "npy", "store"),
    ],
)
def test_codec_types(text, codec, store):
    spec = parse_type(text)
    assert (spec.core, spec.category, spec.codec, spec.store, spec.native) == (
        text,
        "codec",
        codec,
        store,
        False,
    )


@pytest.mark.parametrize(
    ("text", "core", "codec", "store"),
    [
        ("blob@store", "<blob@store>", "blob", "store"),
        ("attach", "<attach>", "attach", None),
        ("attach@store", "<attach@store>", "attach", "store"),
        ("filepath@store", "<filepath@store>", "filepath", "store"),
    ],
)
def test_legacy_codec_spellings(text, core, codec, store):
    spec = parse_type(text)
    assert (spec.core, spec.category, spec.codec, spec.store, spec.native) == (
        core,
        "codec",
        codec,
        store,
        True,
    )


def test_parse_type_returns_frozen_equal_specs():
    assert parse_type("int unsigned") == TypeSpec("uint32", "int", bits=32, unsigned=True, native=True)


@pytest.mark.parametrize("text", ["int24", "varchar", "string", "enum(a, b)", "enum()", "<>", "decimal(2,5)"])
def test_unknown_or_malformed_type_is_an_error(text):
    with pytest.raises(DataJointError):
        parse_type(text)


def test_unknown_type_error_lists_allowed_types():
    with pytest.raises(DataJointError, match=r"unknown type `int24`.*int32.*varchar\(n\).*<blob>.*longblob"):
        parse_type("int24")


# --- foreign keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reference", "nullable", "unique"),
    [
        ("-> Parent", "Parent", False, False),
        ("->Parent", "Parent", False, False),
        ("-> [nullable] Parent", "Parent", True, False),
        ("-> [unique] Parent", "Parent", False, True),
        ("-> [nullable, unique] Parent", "Parent", True, True),
        ("-> [UNIQUE,NULLABLE] Parent", "Parent", True, True),
        ("-> other_module.Parent", "other_module.Parent", False, False),
        ("-> Parent.proj(new_name='old_name')", "Parent.proj(new_name='old_name')", False, False),
        ("-> Parent.proj(x='a#b')  # renamed", "Parent.proj(x='a#b')", False, False),
    ],
)
def test_foreign_key_below_separator(line, reference, nullable, unique):
    spec = parse_definition(f"k : int16\n---\n{line}")
    (fk,) = spec.foreign_keys
    assert (fk.reference, fk.nullable, fk.unique, fk.in_key) == (reference, nullable, unique, False)
    assert fk.text == line.strip()
    assert fk.line == 3


def test_foreign_key_in_primary_key_and_master():
    spec = parse_definition("-> master\nblob_idx : int32\n---\nx : float32")
    assert spec.foreign_keys == (ForeignKeySpec("master", in_key=True, line=1, text="-> master"),)


def test_items_keep_foreign_keys_and_attributes_interleaved():
    spec = parse_definition("a : int16\n-> Parent\nb : int16\n---\n-> Other\nc : int32")
    kinds = [
        (type(item).__name__, getattr(item, "name", getattr(item, "reference", ""))) for item in spec.items
    ]
    assert kinds == [
        ("AttributeSpec", "a"),
        ("ForeignKeySpec", "Parent"),
        ("AttributeSpec", "b"),
        ("ForeignKeySpec", "Other"),
        ("AttributeSpec", "c"),
    ]


# --- indexes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "attributes", "unique"),
    [
        ("index(a, b)", ("a", "b"), False),
        ("INDEX (a)", ("a",), False),
        ("unique index(a)", ("a",), True),
        ("Unique Index ( a , b )  # fast lookups", ("a", "b"), True),
    ],
)
def test_indexes(line, attributes, unique):
    spec = parse_definition(f"k : int16\n---\na : int32\nb : int32\n{line}")
    assert spec.indexes == (IndexSpec(attributes, unique=unique, line=5),)
    assert [a.name for a in spec.attributes] == ["k", "a", "b"]


def test_attribute_named_index_is_not_an_index_line():
    spec = parse_definition("k : int16\n---\nindex : int32")
    assert attr(spec, "index").type.core == "int32"
    assert spec.indexes == ()


# --- errors -----------------------------------------------------------------------------------


def error_for(text: str, table: str = "Session") -> str:
    """The message of the DataJointError that parsing ``text`` raises."""
    with pytest.raises(DataJointError) as caught:
        parse_definition(text, table)
    return str(caught.value)


def test_missing_colon_names_table_line_and_format():
    message = error_for("-> Subject\nsession : int16\nsubject_id int")
    assert message.startswith("Table `Session`, line 3 `subject_id int`: expected `name [= default] : type")


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("Subject_id : int16", "did you mean `subject_id`"),
        ("1st : int16", "invalid attribute name `1st`"),
        ("my name : int16", "invalid attribute name `my name`"),
        ("_hidden : int16", "reserved"),
        (" : int16", "attribute name is missing"),
        ("(a) -> Parent", "-> Parent.proj"),
    ],
)
def test_bad_attribute_name(line, fragment):
    assert fragment in error_for(line)


def test_unknown_type_error_has_location():
    message = error_for("k : int16\n---\nx : float128")
    assert message.startswith("Table `Session`, line 3 `x : float128`: unknown type `float128`")


def test_missing_type_is_an_error():
    assert "type is missing" in error_for("k : int16\n---\nimage : # Generated fractal image")


def test_nullable_primary_key_attribute_is_an_error():
    assert "cannot be nullable" in error_for("k = null : int16")


def test_nullable_foreign_key_in_primary_key_is_an_error():
    message = error_for("-> [nullable] Parent\n---\nx : int16")
    assert "line 1 `-> [nullable] Parent`" in message
    assert "cannot be nullable" in message


@pytest.mark.parametrize("line", ["-> [optional] Parent", "-> [nullable,] Parent", "-> [] Parent"])
def test_unknown_foreign_key_option_is_an_error(line):
    assert "foreign key option" in error_for(f"k : int16\n---\n{line}")


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("->", "parent table is missing"),
        ("-> Parent(", "not a table reference"),
        ("-> [nullable Parent", "unclosed"),
    ],
)
def test_malformed_foreign_key_is_an_error(line, fragment):
    assert fragment in error_for(f"k : int16\n---\n{line}")


@pytest.mark.parametrize(
    "line", ["index(a", "index()", "unique index a", "index(a, 2b)", "index(a) extra", "index(a, (b))"]
)
def test_malformed_index_is_an_error(line):
    message = error_for(f"k : int16\n---\na : int32\n{line}")
    assert f"line 4 `{line}`" in message


@pytest.mark.parametrize(
    "line", ["v = 'abc : varchar(8)", 'v = "abc : varchar(8)', "v : enum('a, 'b')", "-> Parent.proj(x='a)"]
)
def test_unterminated_quote_is_an_error(line):
    assert "unterminated quote" in error_for(f"k : int16\n---\n{line}")


def test_auto_increment_on_non_integer_is_an_error():
    assert "auto_increment needs an integer" in error_for("id : varchar(8) auto_increment")


def test_duplicate_attribute_is_an_error():
    assert "already declared on line 1" in error_for("a : int16\n---\na : int32")


def test_blob_default_other_than_null_is_an_error():
    assert "can only default to null" in error_for("k : int16\n---\nimg = 1 : <blob>")
    assert attr(parse_definition("k : int16\n---\nimg = null : longblob"), "img").nullable


@pytest.mark.parametrize("default", ["now()", "1 + 2", "'a' 'b'"])
def test_unreadable_default_is_an_error(default):
    assert "is not a value" in error_for(f"k : int16\n---\nv = {default} : varchar(8)")


def test_empty_default_is_an_error():
    assert "must be followed by a default" in error_for("k : int16\n---\nv = : int32")


def test_comment_starting_with_colon_is_an_error():
    assert "must not start with `:`" in error_for("k : int16 # :int16: oops")
    assert "must not start with `:`" in error_for("# :bad\nk : int16")


def test_error_without_table_name_still_locates_the_line():
    with pytest.raises(DataJointError, match=r"^Definition line 2 `x int`"):
        parse_definition("k : int16\nx int")


# --- the seed tutorials ------------------------------------------------------------------------

JULIA_SPEC = """
spec_id : int16
---
c_real : float64 # Real part of c
c_imag : float64 # Imaginary part of c
noise_level = 50 : float64
"""

JULIA_IMAGE = """
-> JuliaSpec
---
image : <blob> # Generated fractal image
"""

DENOISE_METHOD = """
method_id : int16
---
method_name : varchar(20)
params : <blob>
"""

DENOISED = """
-> JuliaImage
-> DenoiseMethod
---
denoised : <blob>
"""

IMAGE = """
# Images for blob detection
image_id : int16
---
image_name : varchar(100)
image : <blob> # serialized numpy array
"""

DETECTION_PARAMS = """
# Blob detection parameter sets
params_id : int16
---
min_sigma : float32 # minimum blob size
max_sigma : float32 # maximum blob size
threshold : float32 # detection sensitivity
"""

DETECTION = """
# Blob detection results
-> Image # depends on Image
-> DetectionParams # depends on DetectionParams
---
num_blobs : int32 # number of blobs detected
"""

DETECTION_BLOB = """
# Individual detected blobs
-> master
blob_idx : int32
---
x : float32 # x coordinate
y : float32 # y coordinate
radius : float32 # blob radius
"""

SELECTED_DETECTION = """
# Best detection for each image
-> Image
---
-> Detection
"""


def test_seed_julia_spec():
    spec = parse_definition(JULIA_SPEC, "JuliaSpec")
    assert [(a.name, a.type.core, a.in_key) for a in spec.attributes] == [
        ("spec_id", "int16", True),
        ("c_real", "float64", False),
        ("c_imag", "float64", False),
        ("noise_level", "float64", False),
    ]
    assert attr(spec, "c_real").comment == "Real part of c"
    assert attr(spec, "noise_level").default == "50"


def test_seed_julia_image_and_denoised():
    image = parse_definition(JULIA_IMAGE, "JuliaImage")
    assert image.foreign_keys == (ForeignKeySpec("JuliaSpec", in_key=True, line=1, text="-> JuliaSpec"),)
    assert attr(image, "image").type == TypeSpec("<blob>", "codec", codec="blob")
    denoised = parse_definition(DENOISED, "Denoised")
    assert [fk.reference for fk in denoised.foreign_keys] == ["JuliaImage", "DenoiseMethod"]
    assert all(fk.in_key for fk in denoised.foreign_keys)
    assert attr(denoised, "denoised").in_key is False


def test_seed_denoise_method():
    spec = parse_definition(DENOISE_METHOD, "DenoiseMethod")
    assert attr(spec, "method_name").type.length == 20
    assert attr(spec, "params").type.codec == "blob"


def test_seed_blob_detection_tables():
    image = parse_definition(IMAGE, "Image")
    assert image.comment == "Images for blob detection"
    assert attr(image, "image").comment == "serialized numpy array"
    params = parse_definition(DETECTION_PARAMS, "DetectionParams")
    assert [a.type.core for a in params.attributes] == ["int16", "float32", "float32", "float32"]
    detection = parse_definition(DETECTION, "Detection")
    assert [fk.reference for fk in detection.foreign_keys] == ["Image", "DetectionParams"]
    assert attr(detection, "num_blobs").comment == "number of blobs detected"


def test_seed_part_and_secondary_foreign_key():
    part = parse_definition(DETECTION_BLOB, "Blob")
    assert isinstance(part.items[0], ForeignKeySpec) and part.items[0].reference == "master"
    assert [a.name for a in part.attributes if a.in_key] == ["blob_idx"]
    selected = parse_definition(SELECTED_DETECTION, "SelectedDetection")
    assert [(fk.reference, fk.in_key) for fk in selected.foreign_keys] == [
        ("Image", True),
        ("Detection", False),
    ]


# --- determinism and caching ------------------------------------------------------------------


@pytest.mark.parametrize("text", [JULIA_SPEC, DETECTION_BLOB, SELECTED_DETECTION])
def test_same_text_parses_to_equal_specs(text):
    first = parse_definition(text)
    parse_definition.cache_clear()
    second = parse_definition(text)
    assert first == second
    assert hash(first) == hash(second)


def test_specs_are_frozen():
    spec = parse_definition(JULIA_SPEC)
    with pytest.raises(AttributeError):
        spec.comment = "changed"  # type: ignore[misc]


def test_repeated_parse_is_served_from_cache():
    parse_definition.cache_clear()
    parse_definition(IMAGE, "Image")
    parse_definition(IMAGE, "Image")
    assert parse_definition.cache_info().hits >= 1
