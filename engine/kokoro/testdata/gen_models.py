#!/usr/bin/python3
"""Writes the ONNX models and voice files the kokoro package's tests load.

Run from this directory with Debian's python3-onnx (apt-get install
python3-onnx): /usr/bin/python3 gen_models.py. The outputs are committed, so
the tests need no Python.

model.onnx has exactly the interface of onnx-community/Kokoro-82M-v1.0-ONNX's
onnx/model.onnx: inputs "input_ids" int64 [1, N], "style" float32 [1, 256],
"speed" float32 [1]; output "waveform" float32 [1, T], N and T dynamic, 24
kHz. Instead of speech its output encodes what it was fed, so that a test
can decode it:

  - The audio is a run of blocks, each a sine tone of round(1200 / speed)
    samples, amplitude 0.5; a block stands for a symbol k and sounds at
    200 + 40 k Hz.
  - The first three blocks are a header: k = round(1000 * style[0]),
    k = round(100 * style[1]), k = round(100 * speed). Then one block per
    input id, the pads included, in order.

The voice files are raw little-endian float32 [rows, 1, 256], as
onnx-community publishes them (voices/NAME.bin, 510 rows; these have 32,
which keeps them small and makes texts of more tokens use the last row):
row r of test voice v has
style[0] = r / 1000, which says the row chosen, and style[1] = the voice's
own number (af_test 0.10, bm_test 0.30, ef_test 0.50), which says the voice
or blend; the other 254 values are 0.
"""

import math
import os
import struct

import onnx
from onnx import TensorProto, helper

BLOCK = 1200  # samples per symbol at speed 1 (50 ms at 24 kHz)
RATE = 24000
ROWS, DIM = 32, 256  # real voices have 510 rows; 32 keep the fixtures small


def const(name, values, dtype=TensorProto.FLOAT, dims=None):
    if dims is None:
        dims = [len(values)]
    return helper.make_node("Constant", [], [name], value=helper.make_tensor(name + "_v", dtype, dims, values))


def kokoro_model(ids_name="input_ids", speed_dtype=TensorProto.FLOAT):
    nodes = [
        const("zero_i", [0], TensorProto.INT64),
        const("one_i", [1], TensorProto.INT64),
        const("two_i", [2], TensorProto.INT64),
        const("thousand", [1000.0]),
        const("hundred", [100.0]),
        const("block", [float(BLOCK)]),
        const("forty", [40.0]),
        const("two_hundred", [200.0]),
        const("amp", [0.5]),
        const("omega", [2 * math.pi / RATE]),
        const("zero_s", [0], TensorProto.INT64, dims=[]),
        const("one_s", [1], TensorProto.INT64, dims=[]),
        const("out_shape", [1, -1], TensorProto.INT64),
        const("axis0", [0], TensorProto.INT64),
        const("axis1", [1], TensorProto.INT64),
        const("axis2", [2], TensorProto.INT64),
        helper.make_node("Cast", [ids_name], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["speed"], ["speed_f"], to=TensorProto.FLOAT),
        # style[0, 0] and style[0, 1].
        helper.make_node("Slice", ["style", "zero_i", "one_i", "axis1"], ["s0"]),
        helper.make_node("Slice", ["style", "one_i", "two_i", "axis1"], ["s1"]),
        helper.make_node("Reshape", ["s0", "one_i"], ["s0r"]),
        helper.make_node("Reshape", ["s1", "one_i"], ["s1r"]),
        helper.make_node("Mul", ["s0r", "thousand"], ["row_f"]),
        helper.make_node("Round", ["row_f"], ["row_k"]),
        helper.make_node("Mul", ["s1r", "hundred"], ["voice_f"]),
        helper.make_node("Round", ["voice_f"], ["voice_k"]),
        helper.make_node("Mul", ["speed_f", "hundred"], ["speed100"]),
        helper.make_node("Round", ["speed100"], ["speed_k"]),
        helper.make_node("Concat", ["row_k", "voice_k", "speed_k"], ["header"], axis=0),
        helper.make_node("Unsqueeze", ["header", "axis0"], ["header2"]),
        helper.make_node("Concat", ["header2", "ids_f"], ["ks"], axis=1),
        helper.make_node("Mul", ["ks", "forty"], ["ks40"]),
        helper.make_node("Add", ["ks40", "two_hundred"], ["freq"]),
        helper.make_node("Unsqueeze", ["freq", "axis2"], ["freq3"]),
        # Block length: round(1200 / speed) samples.
        helper.make_node("Div", ["block", "speed_f"], ["len_f"]),
        helper.make_node("Round", ["len_f"], ["len_r"]),
        helper.make_node("Cast", ["len_r"], ["len_i"], to=TensorProto.INT64),
        helper.make_node("Squeeze", ["len_i", "axis0"], ["len_s"]),
        helper.make_node("Range", ["zero_s", "len_s", "one_s"], ["t_i"]),
        helper.make_node("Cast", ["t_i"], ["t_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["t_f", "omega"], ["wt"]),
        helper.make_node("Mul", ["freq3", "wt"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["tone"]),
        helper.make_node("Mul", ["tone", "amp"], ["blocks"]),
        helper.make_node("Reshape", ["blocks", "out_shape"], ["waveform"]),
    ]
    inputs = [
        helper.make_tensor_value_info(ids_name, TensorProto.INT64, [1, "sequence_length"]),
        helper.make_tensor_value_info("style", TensorProto.FLOAT, [1, DIM]),
        helper.make_tensor_value_info("speed", speed_dtype, [1]),
    ]
    outputs = [helper.make_tensor_value_info("waveform", TensorProto.FLOAT, [1, "num_samples"])]
    graph = helper.make_graph(nodes, "kokoro_test", inputs, outputs)
    model = helper.make_model(graph, producer_name="parley gen_models.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def voice(number):
    out = bytearray()
    for r in range(ROWS):
        row = [0.0] * DIM
        row[0] = r / 1000
        row[1] = number
        out += struct.pack("<%df" % DIM, *row)
    return bytes(out)


def main():
    os.makedirs("kokoro/voices", exist_ok=True)
    onnx.save(kokoro_model(), "kokoro/model.onnx")
    for name, number in [("af_test", 0.10), ("bm_test", 0.30), ("ef_test", 0.50)]:
        with open("kokoro/voices/%s.bin" % name, "wb") as f:
            f.write(voice(number))
    # Wrong interfaces: kokoro-onnx's own v0.19 input name, and its v1.0
    # export's int32 speed.
    onnx.save(kokoro_model(ids_name="tokens"), "bad_tokens.onnx")
    onnx.save(kokoro_model(speed_dtype=TensorProto.INT32), "bad_speed.onnx")


if __name__ == "__main__":
    main()
