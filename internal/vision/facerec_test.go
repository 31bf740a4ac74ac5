package vision

import (
	"math"
	"testing"
)

// faceAPIDescriptor is what face-api.js 1.7.15 (the package the weights
// come from, on TensorFlow.js 4.22's CPU backend) computes for
// descriptorPattern: the converted network must give the same numbers, or
// the conversion in tools/modelconv is wrong somewhere (a transposed
// filter, a padding on the wrong side), which a match rate only hints at.
var faceAPIDescriptor = []float64{
	-0.049277, 0.100773, 0.018157, -0.006277, -0.062297, -0.081342, -0.066048, 0.000806,
	0.112851, -0.014805, 0.210593, -0.022744, -0.261376, -0.021154, 0.006187, 0.058685,
	-0.121161, 0.001013, -0.172345, -0.130754, 0.0602, 0.011412, 0.012947, -0.023372,
	-0.099083, -0.283036, -0.084313, -0.091525, 0.061767, -0.158085, 0.035339, -0.00519,
	-0.15031, -0.104593, -0.013288, 0.016894, -0.059655, -0.103904, 0.163583, -0.010164,
	-0.121154, -0.051129, -0.004361, 0.245849, 0.217794, 0.05211, 0.011005, -0.069547,
	0.052228, -0.290391, 0.022251, 0.155171, 0.041184, 0.123716, 0.101553, -0.113154,
	0.0484, 0.117021, -0.140096, 0.008424, 0.011115, -0.133658, -0.023532, -0.114592,
	0.187243, 0.09358, -0.041739, -0.105569, 0.126, -0.159931, -0.057491, 0.084133,
	-0.072786, -0.175771, -0.276113, 0.056397, 0.375862, 0.217201, -0.127799, 0.028231,
	-0.114876, -0.076263, 0.058943, 0.017268, -0.05431, -0.036378, -0.063843, 0.094714,
	0.197262, -0.106871, -0.003322, 0.162974, -0.039451, 0.027346, -0.000394, -0.023328,
	-0.129441, 0.019234, -0.045977, -0.026884, 0.159056, -0.118894, 0.061634, 0.093657,
	-0.157637, 0.107686, 0.000556, -0.053298, 0.053899, -0.048779, -0.032235, -0.011735,
	0.218193, -0.201716, 0.248678, 0.207312, 0.004177, 0.138632, 0.02938, 0.104748,
	-0.046597, -0.036225, -0.151849, -0.034613, -0.015378, 0.051709, 0.001375, -0.011334,
}

// descriptorPattern is a deterministic 150x150 RGB image with structure at
// every scale, so that every layer of the network is exercised.
func descriptorPattern() []float32 {
	const n = embedSize
	px := make([]float32, n*n*3)
	for y := range n {
		for x := range n {
			for c := range 3 {
				px[(y*n+x)*3+c] = float32((x*3 + y*5 + c*70 + (x*y)%17) % 256)
			}
		}
	}
	return px
}

func TestFaceDescriptorMatchesFaceAPI(t *testing.T) {
	e := engine(t)
	out, err := e.embed.run(descriptorPattern())
	if err != nil {
		t.Fatal(err)
	}
	got := out[0]
	var worst float64
	for i, want := range faceAPIDescriptor {
		worst = max(worst, math.Abs(float64(got[i])-want))
	}
	// TensorFlow.js and ONNX Runtime sum in different orders; 1e-4 is far
	// below what a wrong layer gives (differences of 0.01 to 0.3).
	if worst > 1e-4 {
		t.Errorf("descriptor differs from face-api.js's by up to %.6f\n got %v", worst, got[:8])
	}
}
