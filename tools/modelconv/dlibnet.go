package main

import (
	"fmt"
)

// dlib's face-recognition ResNet (Davis King's dlib_face_recognition_resnet_model_v1,
// released into the public domain) as face-api.js ships it: its weights
// alone, uint8-quantized, in a weights manifest, the network being written
// in the package's code. buildDlibFaceNet writes that network as an ONNX
// graph from the paper-level description (the layer names in the manifest
// follow it):
//
//   - input 150x150 RGB, NHWC, pixel values 0-255; the mean colour
//     (122.782, 117.001, 104.298) is taken off and the result divided by 255;
//   - a 7x7 convolution of stride 2 without padding, 32 filters, then a 3x3
//     max pool of stride 2;
//   - residual blocks of two 3x3 convolutions each (32 x3, 64 x4, 128 x3,
//     256 x3 and a last 256 block), where the first block of each width
//     halves the resolution: its first convolution has stride 2 and no
//     padding, and the shortcut is a 2x2 average pool, zero-padded to the
//     block's channels (and the block's output zero-padded at the bottom and
//     right where the pool's output is larger);
//   - every convolution is followed by a per-channel scale and shift
//     (dlib's affine layer, folded here into the convolution's weights);
//   - the mean over the last 2x2 positions and a 256x128 linear layer: the
//     128-value descriptor.

const (
	dlibInput = 150
	dlibDims  = 128
)

var dlibMeanRGB = [3]float32{122.782, 117.001, 104.298}

type dlibBuilder struct {
	c       *converter
	weights map[string]*constant
	used    map[string]bool
}

// weight returns a named weight, checking its shape.
func (b *dlibBuilder) weight(name string, shape ...int64) ([]float32, error) {
	w, ok := b.weights[name]
	if !ok {
		return nil, fmt.Errorf("weight %s missing", name)
	}
	b.used[name] = true
	if len(w.shape) != len(shape) {
		return nil, fmt.Errorf("weight %s has shape %v, want %v", name, w.shape, shape)
	}
	for i := range shape {
		if w.shape[i] != shape[i] {
			return nil, fmt.Errorf("weight %s has shape %v, want %v", name, w.shape, shape)
		}
	}
	return w.floats, nil
}

// conv applies layer's convolution with the scale folded in: for filters W
// (kh, kw, in, out in TensorFlow's order), bias b and scale s, t, the
// layer computes (x*W + b)*s + t = x*(W*s) + (b*s + t). down selects
// stride 2 without padding; otherwise stride 1 with one pixel of padding
// (TensorFlow's SAME for a 3x3 kernel). size is the input's side; the
// output's is returned.
func (b *dlibBuilder) conv(x, layer string, k, in, out int64, down, relu bool, size int64) (string, int64, error) {
	filters, err := b.weight(layer+"/conv/filters", k, k, in, out)
	if err != nil {
		return "", 0, err
	}
	bias, err := b.weight(layer+"/conv/bias", out)
	if err != nil {
		return "", 0, err
	}
	scale, err := b.weight(layer+"/scale/weights", out)
	if err != nil {
		return "", 0, err
	}
	shift, err := b.weight(layer+"/scale/biases", out)
	if err != nil {
		return "", 0, err
	}
	w := make([]float32, len(filters))
	for ky := range k {
		for kx := range k {
			for i := range in {
				for o := range out {
					src := ((ky*k+kx)*in+i)*out + o
					dst := ((o*in+i)*k+ky)*k + kx
					w[dst] = filters[src] * scale[o]
				}
			}
		}
	}
	bb := make([]float32, out)
	for o := range bb {
		bb[o] = bias[o]*scale[o] + shift[o]
	}
	wn := b.c.initializer(floatTensor(b.c.fresh(tensorName(layer)+"_w"), []int64{out, in, k, k}, w))
	bn := b.c.initializer(floatTensor(b.c.fresh(tensorName(layer)+"_b"), []int64{out}, bb))
	stride, pad, outSize := int64(1), (k-1)/2, size
	if down {
		stride, pad, outSize = 2, 0, (size-k)/2+1
	}
	y := b.c.add("Conv", []string{x, wn, bn}, "",
		intsAttr("kernel_shape", k, k), intsAttr("strides", stride, stride), intsAttr("pads", pad, pad, pad, pad))
	if relu {
		y = b.c.add("Relu", []string{y}, "")
	}
	return y, outSize, nil
}

// residual is a block keeping width and resolution.
func (b *dlibBuilder) residual(x, layer string, ch, size int64) (string, error) {
	y, _, err := b.conv(x, layer+"/conv1", 3, ch, ch, false, true, size)
	if err != nil {
		return "", err
	}
	y, _, err = b.conv(y, layer+"/conv2", 3, ch, ch, false, false, size)
	if err != nil {
		return "", err
	}
	return b.c.add("Relu", []string{b.c.add("Add", []string{y, x}, "")}, ""), nil
}

// residualDown is a block halving the resolution, from in to out channels.
func (b *dlibBuilder) residualDown(x, layer string, in, out, size int64) (string, int64, error) {
	y, ySize, err := b.conv(x, layer+"/conv1", 3, in, out, true, true, size)
	if err != nil {
		return "", 0, err
	}
	y, _, err = b.conv(y, layer+"/conv2", 3, out, out, false, false, ySize)
	if err != nil {
		return "", 0, err
	}
	short := b.c.add("AveragePool", []string{x}, "", intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2))
	poolSize := size / 2
	if grow := poolSize - ySize; grow != 0 {
		if grow != 1 {
			return "", 0, fmt.Errorf("%s: pooled side %d, block side %d", layer, poolSize, ySize)
		}
		y = b.pad(y, 0, 1)
	}
	if out != in {
		if out != 2*in {
			return "", 0, fmt.Errorf("%s: %d to %d channels", layer, in, out)
		}
		short = b.pad(short, in, 0)
	}
	return b.c.add("Relu", []string{b.c.add("Add", []string{y, short}, "")}, ""), poolSize, nil
}

// pad appends zero channels and zero rows and columns (bottom and right)
// to an NCHW activation.
func (b *dlibBuilder) pad(x string, channels, side int64) string {
	pads := b.c.initializer(int64Tensor(b.c.fresh("pads"), []int64{8}, []int64{0, 0, 0, 0, 0, channels, side, side}))
	return b.c.add("Pad", []string{x, pads}, "")
}

// buildDlibFaceNet builds the graph from the manifest's weights: input
// "input" (1, 150, 150, 3), output "descriptor" (1, 128).
func buildDlibFaceNet(weights map[string]*constant) (*graphProto, error) {
	b := &dlibBuilder{c: &converter{graph: &graphProto{name: "zhipai"}}, weights: weights, used: map[string]bool{}}
	c := b.c
	c.graph.inputs = []valueInfo{{name: "input", dims: []int64{1, dlibInput, dlibInput, 3}}}
	x := c.add("Transpose", []string{"input"}, "", intsAttr("perm", 0, 3, 1, 2))
	mean := c.initializer(floatTensor("mean_rgb", []int64{1, 3, 1, 1}, dlibMeanRGB[:]))
	inv := c.initializer(floatTensor("inv_255", []int64{1}, []float32{1.0 / 255}))
	x = c.add("Mul", []string{c.add("Sub", []string{x, mean}, ""), inv}, "")

	x, size, err := b.conv(x, "conv32_down", 7, 3, 32, true, true, dlibInput)
	if err != nil {
		return nil, err
	}
	x = c.add("MaxPool", []string{x}, "", intsAttr("kernel_shape", 3, 3), intsAttr("strides", 2, 2))
	size = (size-3)/2 + 1

	stages := []struct {
		width  int64
		blocks []string
	}{
		{32, []string{"conv32_1", "conv32_2", "conv32_3"}},
		{64, []string{"conv64_down", "conv64_1", "conv64_2", "conv64_3"}},
		{128, []string{"conv128_down", "conv128_1", "conv128_2"}},
		{256, []string{"conv256_down", "conv256_1", "conv256_2", "conv256_down_out"}},
	}
	ch := int64(32)
	for _, s := range stages {
		for _, name := range s.blocks {
			if ch != s.width || name == "conv256_down_out" {
				x, size, err = b.residualDown(x, name, ch, s.width, size)
				ch = s.width
			} else {
				x, err = b.residual(x, name, ch, size)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if size != 2 {
		return nil, fmt.Errorf("last block's side %d, want 2", size)
	}
	pooled := c.add("ReduceMean", []string{x}, "", intsAttr("axes", 2, 3), intAttr("keepdims", 0))
	fc, err := b.weight("fc", 256, dlibDims)
	if err != nil {
		return nil, err
	}
	fcName := c.initializer(floatTensor("fc", []int64{256, dlibDims}, fc))
	c.add("MatMul", []string{pooled, fcName}, "descriptor")
	c.graph.outputs = []valueInfo{{name: "descriptor", dims: []int64{1, dlibDims}}}
	for _, name := range sortedKeys(weights) {
		if !b.used[name] {
			return nil, fmt.Errorf("weight %s not used by the network", name)
		}
	}
	return c.graph, nil
}
