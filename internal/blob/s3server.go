package blob

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3ServerBin is where tools/setup/s3.sh installs versitygw, the real S3
// server (Apache-2.0, over a local directory) that the blob tests and
// `zhipai bench flow --blob s3` run against. It is found beside the
// running binary (bin/zhipai) or, for tests, under the source tree.
func S3ServerBin() (string, error) {
	var tried []string
	if exe, err := os.Executable(); err == nil {
		tried = append(tried, filepath.Join(filepath.Dir(exe), "versitygw"))
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		tried = append(tried, filepath.Join(filepath.Dir(file), "..", "..", "bin", "versitygw"))
	}
	for _, p := range tried {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("blob: the S3 server is not installed (tools/setup/s3.sh); looked at %v", tried)
}

// StartS3Server runs the S3 server bin over root on a free loopback port
// with a fresh bucket, and returns where it is and how to stop it.
func StartS3Server(ctx context.Context, bin, root, bucket, prefix string) (S3Config, func(), error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return S3Config{}, nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return S3Config{}, nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cfg := S3Config{Endpoint: addr, Bucket: bucket, Prefix: prefix, AccessKey: "localaccess", SecretKey: "localsecret-0123456789", Region: "us-east-1"}
	cmd := exec.Command(bin, "--access", cfg.AccessKey, "--secret", cfg.SecretKey, "--port", addr, "posix", root)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return S3Config{}, nil, err
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	c, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Region: cfg.Region})
	if err != nil {
		stop()
		return S3Config{}, nil, err
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err = c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err == nil {
			return cfg, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return S3Config{}, nil, fmt.Errorf("blob: the S3 server did not start: %v\n%s", err, logs.String())
		}
	}
}

// URL is the ZHIPAI_BLOB_URL of the bucket (credentials apart).
func (c S3Config) URL() string {
	u := fmt.Sprintf("s3://%s/%s?endpoint=%s&region=%s", c.Bucket, c.Prefix, c.Endpoint, c.Region)
	if !c.Secure {
		u += "&secure=false"
	}
	if c.SSE {
		u += "&sse=1"
	}
	return u
}
