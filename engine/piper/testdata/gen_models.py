#!/usr/bin/python3
"""Writes the ONNX models the piper package's tests load.

Run from this directory with Debian's python3-onnx (apt-get install
python3-onnx): /usr/bin/python3 gen_models.py. The outputs are committed, so
the tests need no Python.

Every model has exactly the interface of a Piper voice exported by
piper_train.export_onnx (rhasspy/piper): inputs "input" int64 [1, N],
"input_lengths" int64 [1], "scales" float32 [3] (noise_scale, length_scale,
noise_w) and, for multi-speaker voices, "sid" int64 [1]; output "output"
float32 [1, 1, T], N and T dynamic. Instead of speech, the output encodes
what the model was fed, so that a test can decode it:

  - The audio is a run of blocks, each a sine tone of round(1024 *
    length_scale) samples at the voice's sample rate, amplitude 0.5. A block
    stands for a symbol k and sounds at 200 + 40 k Hz.
  - The first three blocks are a header: k = sid (0 without a sid input),
    k = round(100 * noise_scale), k = round(100 * noise_w). Then one block
    per phoneme id, k = the id, in order.
  - If input_lengths is not N, the whole output is silent.

So the output lasts (N + 3) * round(1024 * length_scale) samples.
"""

import json
import math

import onnx
from onnx import TensorProto, helper

BLOCK = 1024  # samples per symbol at length_scale 1


def const(name, values, dtype=TensorProto.FLOAT, dims=None):
    if dims is None:
        dims = [len(values)]
    return helper.make_node("Constant", [], [name], value=helper.make_tensor(name + "_v", dtype, dims, values))


def piper_model(sample_rate, speakers, input_name="input", ids_dtype=TensorProto.INT64, slow=0):
    nodes = [
        const("zero_i", [0], TensorProto.INT64),
        const("one_i", [1], TensorProto.INT64),
        const("two_i", [2], TensorProto.INT64),
        const("three_i", [3], TensorProto.INT64),
        const("hundred", [100.0]),
        const("block", [float(BLOCK)]),
        const("forty", [40.0]),
        const("two_hundred", [200.0]),
        const("amp", [0.5]),
        const("omega", [2 * math.pi / sample_rate]),
        const("zero_s", [0], TensorProto.INT64, dims=[]),
        const("one_s", [1], TensorProto.INT64, dims=[]),
        const("out_shape", [1, 1, -1], TensorProto.INT64),
        const("axis2", [2], TensorProto.INT64),
        const("axis0", [0], TensorProto.INT64),
        # The ids as floats, [1, N].
        helper.make_node("Cast", [input_name], ["ids_f"], to=TensorProto.FLOAT),
        # The scales.
        helper.make_node("Slice", ["scales", "zero_i", "one_i"], ["noise_scale"]),
        helper.make_node("Slice", ["scales", "one_i", "two_i"], ["length_scale"]),
        helper.make_node("Slice", ["scales", "two_i", "three_i"], ["noise_w"]),
        helper.make_node("Mul", ["noise_scale", "hundred"], ["ns100"]),
        helper.make_node("Round", ["ns100"], ["ns_k"]),
        helper.make_node("Mul", ["noise_w", "hundred"], ["nw100"]),
        helper.make_node("Round", ["nw100"], ["nw_k"]),
    ]
    if speakers > 1:
        nodes.append(helper.make_node("Cast", ["sid"], ["sid_k"], to=TensorProto.FLOAT))
    else:
        nodes.append(const("sid_k", [0.0]))
    nodes += [
        helper.make_node("Concat", ["sid_k", "ns_k", "nw_k"], ["header"], axis=0),
        helper.make_node("Unsqueeze", ["header", "axis0"], ["header2"]),
        helper.make_node("Concat", ["header2", "ids_f"], ["ks"], axis=1),
        helper.make_node("Mul", ["ks", "forty"], ["ks40"]),
        helper.make_node("Add", ["ks40", "two_hundred"], ["freq"]),
        helper.make_node("Unsqueeze", ["freq", "axis2"], ["freq3"]),
        # Block length: round(1024 * length_scale) samples.
        helper.make_node("Mul", ["length_scale", "block"], ["len_f"]),
        helper.make_node("Round", ["len_f"], ["len_r"]),
        helper.make_node("Cast", ["len_r"], ["len_i"], to=TensorProto.INT64),
        helper.make_node("Squeeze", ["len_i", "axis0"], ["len_s"]),
        helper.make_node("Range", ["zero_s", "len_s", "one_s"], ["t_i"]),
        helper.make_node("Cast", ["t_i"], ["t_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["t_f", "omega"], ["wt"]),
        helper.make_node("Mul", ["freq3", "wt"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["tone"]),
        # Silent unless input_lengths is N.
        helper.make_node("Shape", ["ids_f"], ["ids_shape"]),
        helper.make_node("Slice", ["ids_shape", "one_i", "two_i"], ["n"]),
        helper.make_node("Equal", ["input_lengths", "n"], ["lengths_ok"]),
        helper.make_node("Cast", ["lengths_ok"], ["gate"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["amp", "gate"], ["gain0"]),
        *slow_nodes(slow),
        helper.make_node("Mul", ["tone", "gain"], ["blocks"]),
        helper.make_node("Reshape", ["blocks", "out_shape"], ["output"]),
    ]
    inputs = [
        helper.make_tensor_value_info(input_name, ids_dtype, [1, "phonemes"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    ]
    if speakers > 1:
        inputs.append(helper.make_tensor_value_info("sid", TensorProto.INT64, [1]))
    outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "time"])]
    graph = helper.make_graph(nodes, "piper_test", inputs, outputs)
    model = helper.make_model(graph, producer_name="parley gen_models.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def slow_nodes(n):
    """Multiplies gain by 1 after n products of two 512x512 matrices
    made at run time (from the input's shape, so that nothing is folded
    at load): a run that takes a while, for cancellation tests. Every
    element is 1/512, which the products keep, so that no denormal numbers
    slow one product down and all take about as long."""
    if n == 0:
        return [helper.make_node("Identity", ["gain0"], ["gain"])]
    nodes = [
        const("side", [512, 512], TensorProto.INT64),
        helper.make_node("Mul", ["n", "zero_i"], ["n0"]),
        helper.make_node("Add", ["side", "n0"], ["dims"]),
        helper.make_node("ConstantOfShape", ["dims"], ["m0"],
                         value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0 / 512])),
    ]
    for i in range(n):
        nodes.append(helper.make_node("MatMul", ["m%d" % i, "m%d" % i], ["m%d" % (i + 1)]))
    nodes += [
        helper.make_node("ReduceSum", ["m%d" % n], ["total"], keepdims=0),
        const("zero_f", [0.0]),
        const("one_f", [1.0]),
        helper.make_node("Mul", ["total", "zero_f"], ["nothing"]),
        helper.make_node("Add", ["nothing", "one_f"], ["unit"]),
        helper.make_node("Mul", ["gain0", "unit"], ["gain"]),
    ]
    return nodes


def main():
    # The real en_US-amy-low config: 16 kHz, one speaker.
    onnx.save(piper_model(16000, 1), "en_US-amy-low.onnx")
    # A multi-speaker British voice at 22.05 kHz, its config derived from
    # amy's (same symbols).
    onnx.save(piper_model(22050, 4), "test_multi.onnx")
    with open("en_US-amy-low.onnx.json", encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["audio"] = {"sample_rate": 22050, "quality": "medium"}
    cfg["espeak"] = {"voice": "en-gb"}
    cfg["inference"] = {"noise_scale": 0.5, "length_scale": 1.2, "noise_w": 0.9}
    cfg["num_speakers"] = 4
    cfg["speaker_id_map"] = {"alice": 0, "bob": 1, "carol": 2, "dave": 3}
    cfg["language"] = {"code": "en_GB", "family": "en", "region": "GB", "name_native": "English",
                       "name_english": "English", "country_english": "United Kingdom"}
    cfg["dataset"] = "test_multi"
    with open("test_multi.onnx.json", "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False, indent=2)
        f.write("\n")
    # Wrong interfaces: the ids input misnamed, and float ids.
    onnx.save(piper_model(16000, 1, input_name="text"), "bad_names.onnx")
    onnx.save(piper_model(16000, 1, ids_dtype=TensorProto.FLOAT), "bad_dtype.onnx")
    # A slow run, for cancellation (use with amy's config).
    onnx.save(piper_model(16000, 1, slow=150), "slow.onnx")


if __name__ == "__main__":
    main()
