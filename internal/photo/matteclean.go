package photo

import "zhipai/internal/raster"

// keepConnected clears every part of the matte not connected (8-connected,
// alpha above zero) to the person at (sx, sy): blobs of wall the network
// took for person, a chair back, a lamp. When the seed is not on the
// person, the largest part is kept. It returns the share of the matte's
// weight removed.
func keepConnected(alpha *raster.Plane, sx, sy int) float64 {
	w, h := alpha.W, alpha.H
	label := make([]int32, w*h)
	stack := make([]int32, 0, 1024)
	var sizes []float64
	var total float64
	for i, a := range alpha.Pix {
		if a <= 0 || label[i] != 0 {
			continue
		}
		id := int32(len(sizes) + 1)
		var size float64
		label[i] = id
		stack = append(stack[:0], int32(i))
		for len(stack) > 0 {
			j := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			size += float64(alpha.Pix[j])
			x, y := j%w, j/w
			for dy := -1; dy <= 1; dy++ {
				yy := y + dy
				if yy < 0 || yy >= h {
					continue
				}
				for dx := -1; dx <= 1; dx++ {
					xx := x + dx
					if xx < 0 || xx >= w {
						continue
					}
					k := yy*w + xx
					if label[k] == 0 && alpha.Pix[k] > 0 {
						label[k] = id
						stack = append(stack, int32(k))
					}
				}
			}
		}
		sizes = append(sizes, size)
		total += size
	}
	if len(sizes) <= 1 {
		return 0
	}
	var keep int32
	if sx >= 0 && sx < w && sy >= 0 && sy < h {
		keep = label[sy*w+sx]
	}
	if keep == 0 {
		for i, s := range sizes {
			if keep == 0 || s > sizes[keep-1] {
				keep = int32(i + 1)
			}
		}
	}
	for i, l := range label {
		if l != keep {
			alpha.Pix[i] = 0
		}
	}
	return 1 - sizes[keep-1]/total
}
