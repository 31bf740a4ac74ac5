package vision

import (
	"fmt"
	"math"
)

// canonicalFace is MediaPipe's canonical face model (models/face_geometry.json).
type canonicalFace struct {
	Vertices [][3]float64 `json:"vertices"`
	Weights  []struct {
		Landmark int     `json:"landmark"`
		Weight   float64 `json:"weight"`
	} `json:"procrustes_weights"`
}

func (c *canonicalFace) prepare() error {
	if len(c.Vertices) != 468 || len(c.Weights) == 0 {
		return fmt.Errorf("vision: canonical face has %d vertices and %d weights", len(c.Vertices), len(c.Weights))
	}
	for _, w := range c.Weights {
		if w.Landmark < 0 || w.Landmark >= 468 {
			return fmt.Errorf("vision: canonical face weight for landmark %d", w.Landmark)
		}
	}
	return nil
}

// Pose is the head's rotation relative to the camera, in degrees.
type Pose struct {
	// Yaw is positive when the face turns towards the photo's right.
	Yaw float64 `json:"yaw"`
	// Pitch is positive when the chin rises.
	Pitch float64 `json:"pitch"`
	// Roll is positive when the head tilts counter-clockwise as seen.
	Roll float64 `json:"roll"`
}

// HeadPose fits MediaPipe's canonical face to the mesh with a weighted
// similarity Procrustes fit (the weights MediaPipe's face-geometry module
// uses) and reads the rotation as yaw, pitch and roll.
func (e *Engine) HeadPose(m *Mesh) Pose {
	c := &e.canonical
	var sw float64
	var mp, mq [3]float64
	for _, w := range c.Weights {
		p := c.Vertices[w.Landmark]
		q := meshToModel(m.Points[w.Landmark])
		for k := 0; k < 3; k++ {
			mp[k] += w.Weight * p[k]
			mq[k] += w.Weight * q[k]
		}
		sw += w.Weight
	}
	for k := 0; k < 3; k++ {
		mp[k] /= sw
		mq[k] /= sw
	}
	// Cross-covariance S[i][j] = sum w (p_i - mp_i)(q_j - mq_j).
	var s [3][3]float64
	for _, w := range c.Weights {
		p := c.Vertices[w.Landmark]
		q := meshToModel(m.Points[w.Landmark])
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				s[i][j] += w.Weight * (p[i] - mp[i]) * (q[j] - mq[j])
			}
		}
	}
	r := hornRotation(s)
	// Columns of r are the face's axes seen from the camera.
	fx, fy, fz := r[0][2], r[1][2], r[2][2] // forward (out of the face)
	return Pose{
		Yaw:   deg(math.Atan2(fx, fz)),
		Pitch: deg(math.Atan2(fy, math.Hypot(fx, fz))) + e.cfg.PitchOffset,
		Roll:  deg(math.Atan2(r[1][0], r[0][0])),
	}
}

// meshToModel turns a mesh vertex (x right, y down, z away from the camera)
// into the canonical face's axes (x right, y up, z towards the camera).
func meshToModel(p Point3) [3]float64 { return [3]float64{p.X, -p.Y, -p.Z} }

func deg(r float64) float64 { return r * 180 / math.Pi }

// hornRotation returns the rotation R maximising trace(R S) for the
// cross-covariance S of model points p and observed points q, i.e. q ~ R p
// (Horn 1987, unit quaternions: the eigenvector of the largest eigenvalue
// of a symmetric 4x4 matrix).
func hornRotation(s [3][3]float64) [3][3]float64 {
	sxx, sxy, sxz := s[0][0], s[0][1], s[0][2]
	syx, syy, syz := s[1][0], s[1][1], s[1][2]
	szx, szy, szz := s[2][0], s[2][1], s[2][2]
	n := [4][4]float64{
		{sxx + syy + szz, syz - szy, szx - sxz, sxy - syx},
		{syz - szy, sxx - syy - szz, sxy + syx, szx + sxz},
		{szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy},
		{sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz},
	}
	vals, vecs := jacobiEigen(n)
	best := 0
	for i := 1; i < 4; i++ {
		if vals[i] > vals[best] {
			best = i
		}
	}
	w, x, y, z := vecs[0][best], vecs[1][best], vecs[2][best], vecs[3][best]
	return [3][3]float64{
		{w*w + x*x - y*y - z*z, 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), w*w - x*x + y*y - z*z, 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), w*w - x*x - y*y + z*z},
	}
}

// jacobiEigen diagonalises a symmetric 4x4 matrix; eigenvectors are columns.
func jacobiEigen(a [4][4]float64) ([4]float64, [4][4]float64) {
	var v [4][4]float64
	for i := range v {
		v[i][i] = 1
	}
	for sweep := 0; sweep < 50; sweep++ {
		off := 0.0
		for i := 0; i < 4; i++ {
			for j := i + 1; j < 4; j++ {
				off += a[i][j] * a[i][j]
			}
		}
		if off < 1e-20 {
			break
		}
		for p := 0; p < 4; p++ {
			for q := p + 1; q < 4; q++ {
				if math.Abs(a[p][q]) < 1e-300 {
					continue
				}
				theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < 4; k++ {
					akp, akq := a[k][p], a[k][q]
					a[k][p], a[k][q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := 0; k < 4; k++ {
					apk, aqk := a[p][k], a[q][k]
					a[p][k], a[q][k] = c*apk-s*aqk, s*apk+c*aqk
				}
				for k := 0; k < 4; k++ {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p], v[k][q] = c*vkp-s*vkq, s*vkp+c*vkq
				}
			}
		}
	}
	return [4]float64{a[0][0], a[1][1], a[2][2], a[3][3]}, v
}
