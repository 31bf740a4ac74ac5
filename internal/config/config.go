// Package config loads Zhipai's settings from the environment (ZHIPAI_*,
// with *_FILE variants for secrets), validates them and prints them with
// secrets redacted.
package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the process.
type Config struct {
	// ONNXRuntimeLib is the path of libonnxruntime.so.1; empty searches
	// beside the binary and in lib/ of a source checkout.
	ONNXRuntimeLib string
	// TessdataDir holds the OCR model that reads names on identity cards
	// (tools/setup/tessdata.sh); empty searches beside the binary and in
	// lib/tessdata of a source checkout.
	TessdataDir string
	// PhotoWorkers is how many photos are processed at once (one core
	// each).
	PhotoWorkers int

	// Addr is where `serve` listens.
	Addr string
	// DataDir holds the SQLite file, the photos and the generated key of
	// the embedded default.
	DataDir string
	// DatabaseURL is sqlite:PATH or postgres://...; empty means
	// sqlite:DataDir/zhipai.db.
	DatabaseURL string
	// SecretKey is the master key (64 hex digits or base64 of 32 bytes).
	// Empty with SQLite: a key file beside the data, made on first run.
	// Several instances on PostgreSQL must share one, so it is required
	// there.
	SecretKey string
	// SecretKeyFile is where the key of the embedded default lives.
	SecretKeyFile string
	// PublicURL is how students reach the server (https:// makes session
	// cookies Secure).
	PublicURL string
	// TrustedProxies are the reverse proxies in front of Zhipai whose
	// X-Forwarded-For is believed (ZHIPAI_TRUSTED_PROXIES, addresses or
	// CIDR ranges, comma-separated; ZHIPAI_TRUST_PROXY=1 means loopback and
	// the private ranges). The client is the rightmost address that is not
	// one of them.
	TrustedProxies []netip.Prefix
	// QueueLimit is how many photos may wait for processing before uploads
	// are refused with 429.
	QueueLimit int
	// MemoryMB is the memory the server should stay under
	// (ZHIPAI_MEMORY_MB, 1024 for 2 cores): the Go heap gets what ONNX
	// Runtime, Tesseract and the C decoders leave of it, less a tenth
	// (memceil), and the photo work gets half, judged from each photo's
	// header.
	MemoryMB int
	// SessionTTL is how long a sign-in lasts.
	SessionTTL time.Duration
	// JobRescueAfter is how long a job left running by a dead instance
	// waits before another takes it (ZHIPAI_JOB_RESCUE_AFTER, 2m, at least
	// 20s; photo jobs are cut off at half of it).
	JobRescueAfter time.Duration
	// UndoWindow is how long a reviewer may take back an approval
	// (ZHIPAI_UNDO_WINDOW, 2m); the student hears of it only after.
	UndoWindow time.Duration

	SMS    SMS
	WeChat WeChat
	Notify Notify
	// BlobURL is where photos and documents are kept: file:///dir (the
	// default, DataDir/blobs) or s3://bucket/prefix?endpoint=host:port
	// (&region=R&secure=false&sse=1), with S3AccessKey and S3SecretKey.
	BlobURL                  string
	S3AccessKey, S3SecretKey string
	// VendorPhone and VendorHours are the vendor's hotline on every
	// student page (ZHIPAI_VENDOR_PHONE, ZHIPAI_VENDOR_HOURS).
	VendorPhone, VendorHours string
}

// Notify configures what reaches students besides the inbox: the
// provider templates of each kind of notice ("kind=template,...", kinds
// submission.received, submission.rejected, submission.approved,
// campaign.closing, campaign.reminder, ticket.reply). A kind without a
// template is not sent by that channel; the inbox always has it.
type Notify struct {
	SMSTemplates    string // ZHIPAI_NOTIFY_SMS_TEMPLATES (needs ZHIPAI_SMS_PROVIDER=http)
	WeChatTemplates string // ZHIPAI_NOTIFY_WECHAT_TEMPLATES (needs the WeChat app id)
	// WeChatFields maps the subscribe template's keys to the notice's
	// values: campaign, status, hint, reason, deadline
	// (ZHIPAI_NOTIFY_WECHAT_FIELDS).
	WeChatFields string
	// WeChatPage is the mini-program page a message opens.
	WeChatPage string
}

// SMS configures the sign-in code sender.
type SMS struct {
	// Provider is "http" (a provider's HTTP API), "console" (the code is
	// printed to the server log: local demo only) or "" (sign-in by SMS
	// off).
	Provider string
	URL      string // the provider's send endpoint
	Key      string // sent as a bearer token
	Template string // the provider's template id
	Sign     string // the SMS signature (签名)
}

// WeChat configures mini-program sign-in (code2Session).
type WeChat struct {
	AppID, Secret string
	// BaseURL is the WeChat API's origin; tests point it at a local server.
	BaseURL string
}

// DefaultWeChatBaseURL is WeChat's API origin.
const DefaultWeChatBaseURL = "https://api.weixin.qq.com"

// Load reads the environment through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		ONNXRuntimeLib: getenv("ZHIPAI_ONNXRUNTIME_LIB"),
		TessdataDir:    getenv("ZHIPAI_TESSDATA_DIR"),
		PhotoWorkers:   runtime.NumCPU(),
		Addr:           get("ZHIPAI_ADDR", ":8080"),
		DataDir:        get("ZHIPAI_DATA_DIR", "./data"),
		DatabaseURL:    get("ZHIPAI_DATABASE_URL", ""),
		PublicURL:      get("ZHIPAI_PUBLIC_URL", ""),
		QueueLimit:     256,
		MemoryMB:       1024,
		SessionTTL:     7 * 24 * time.Hour,
		UndoWindow:     2 * time.Minute,
		JobRescueAfter: 2 * time.Minute,
		SMS: SMS{
			Provider: get("ZHIPAI_SMS_PROVIDER", ""),
			URL:      get("ZHIPAI_SMS_URL", ""),
			Template: get("ZHIPAI_SMS_TEMPLATE", ""),
			Sign:     get("ZHIPAI_SMS_SIGN", ""),
		},
		WeChat: WeChat{
			AppID:   get("ZHIPAI_WECHAT_APPID", ""),
			BaseURL: get("ZHIPAI_WECHAT_BASE_URL", DefaultWeChatBaseURL),
		},
		BlobURL:     get("ZHIPAI_BLOB_URL", ""),
		VendorPhone: get("ZHIPAI_VENDOR_PHONE", ""),
		VendorHours: get("ZHIPAI_VENDOR_HOURS", ""),
		Notify: Notify{
			SMSTemplates:    get("ZHIPAI_NOTIFY_SMS_TEMPLATES", ""),
			WeChatTemplates: get("ZHIPAI_NOTIFY_WECHAT_TEMPLATES", ""),
			WeChatFields:    get("ZHIPAI_NOTIFY_WECHAT_FIELDS", "thing1=campaign,phrase2=status,thing3=hint,time4=deadline"),
			WeChatPage:      get("ZHIPAI_NOTIFY_WECHAT_PAGE", "pages/index/index"),
		},
	}
	var err error
	secretOf := func(name string) string {
		v, e := secretVar(getenv, name)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	c.SecretKey = secretOf("ZHIPAI_SECRET_KEY")
	c.SMS.Key = secretOf("ZHIPAI_SMS_KEY")
	c.WeChat.Secret = secretOf("ZHIPAI_WECHAT_SECRET")
	c.S3AccessKey = secretOf("ZHIPAI_S3_ACCESS_KEY")
	c.S3SecretKey = secretOf("ZHIPAI_S3_SECRET_KEY")
	if err != nil {
		return c, err
	}
	intVar := func(name string, dst *int) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, e := strconv.Atoi(v)
			if e != nil && err == nil {
				err = fmt.Errorf("config: %s=%q is not a number", name, v)
			}
			*dst = n
		}
	}
	intVar("ZHIPAI_PHOTO_WORKERS", &c.PhotoWorkers)
	intVar("ZHIPAI_QUEUE_LIMIT", &c.QueueLimit)
	intVar("ZHIPAI_MEMORY_MB", &c.MemoryMB)
	durVar := func(name string, dst *time.Duration, example string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			d, e := time.ParseDuration(v)
			if e != nil && err == nil {
				err = fmt.Errorf("config: %s=%q: want a duration such as %s", name, v, example)
			}
			*dst = d
		}
	}
	durVar("ZHIPAI_SESSION_TTL", &c.SessionTTL, "168h")
	durVar("ZHIPAI_UNDO_WINDOW", &c.UndoWindow, "2m")
	durVar("ZHIPAI_JOB_RESCUE_AFTER", &c.JobRescueAfter, "2m")
	if err != nil {
		return c, err
	}
	proxies := get("ZHIPAI_TRUSTED_PROXIES", "")
	if proxies == "" && get("ZHIPAI_TRUST_PROXY", "") == "1" {
		proxies = localProxies
	}
	if c.TrustedProxies, err = parseProxies(proxies); err != nil {
		return c, err
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "zhipai.db")
	}
	c.SecretKeyFile = filepath.Join(c.DataDir, "secret.key")
	return c, c.Validate()
}

// secretVar reads NAME, or the file named by NAME_FILE (trimmed).
func secretVar(getenv func(string) string, name string) (string, error) {
	v := strings.TrimSpace(getenv(name))
	file := strings.TrimSpace(getenv(name + "_FILE"))
	if v != "" && file != "" {
		return "", fmt.Errorf("config: set %s or %s_FILE, not both", name, name)
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("config: %s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return v, nil
}

// FromEnv loads from the process environment.
func FromEnv() (Config, error) { return Load(os.Getenv) }

// Postgres reports whether the database is PostgreSQL.
func (c Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// PhotoMemory is the memory budget of the photo work, in bytes.
func (c Config) PhotoMemory() int64 { return int64(c.MemoryMB) << 20 / 2 }

// SecureCookies reports whether cookies must only travel over HTTPS.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// parseProxies reads ZHIPAI_TRUSTED_PROXIES: addresses or CIDR ranges.
func parseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("config: ZHIPAI_TRUSTED_PROXIES: %q is neither an address nor a CIDR range", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// localProxies are what ZHIPAI_TRUST_PROXY=1 trusts: loopback and the
// private ranges, where a reverse proxy beside the server lives.
var localProxies = "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"

// Validate rejects impossible settings.
func (c Config) Validate() error {
	if c.PhotoWorkers < 1 || c.PhotoWorkers > 256 {
		return fmt.Errorf("config: ZHIPAI_PHOTO_WORKERS=%d outside 1-256", c.PhotoWorkers)
	}
	if c.MemoryMB < 256 {
		return fmt.Errorf("config: ZHIPAI_MEMORY_MB=%d: at least 256 (the models alone take about 100 MB)", c.MemoryMB)
	}
	if c.QueueLimit < 1 {
		return fmt.Errorf("config: ZHIPAI_QUEUE_LIMIT=%d must be at least 1", c.QueueLimit)
	}
	if c.JobRescueAfter != 0 && c.JobRescueAfter < 20*time.Second {
		return fmt.Errorf("config: ZHIPAI_JOB_RESCUE_AFTER=%s: at least 20s (a photo job must be able to finish first)", c.JobRescueAfter)
	}
	if c.UndoWindow < 0 || c.UndoWindow > time.Hour {
		return fmt.Errorf("config: ZHIPAI_UNDO_WINDOW=%s outside 0-1h", c.UndoWindow)
	}
	if c.SessionTTL < time.Minute {
		return fmt.Errorf("config: ZHIPAI_SESSION_TTL=%s is too short", c.SessionTTL)
	}
	if !c.Postgres() && !strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		return fmt.Errorf("config: ZHIPAI_DATABASE_URL must start with postgres:// or sqlite:")
	}
	if c.Postgres() && c.SecretKey == "" {
		return fmt.Errorf("config: with PostgreSQL every instance needs the same key: set ZHIPAI_SECRET_KEY or ZHIPAI_SECRET_KEY_FILE")
	}
	switch c.SMS.Provider {
	case "", "console":
	case "http":
		if c.SMS.URL == "" || c.SMS.Template == "" {
			return fmt.Errorf("config: ZHIPAI_SMS_PROVIDER=http needs ZHIPAI_SMS_URL and ZHIPAI_SMS_TEMPLATE")
		}
		if u, err := url.Parse(c.SMS.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("config: ZHIPAI_SMS_URL is not an http(s) URL")
		}
	default:
		return fmt.Errorf("config: ZHIPAI_SMS_PROVIDER=%q: want http, console or empty", c.SMS.Provider)
	}
	if strings.HasPrefix(c.BlobURL, "s3://") && (c.S3AccessKey == "" || c.S3SecretKey == "") {
		return fmt.Errorf("config: ZHIPAI_BLOB_URL on S3 needs ZHIPAI_S3_ACCESS_KEY and ZHIPAI_S3_SECRET_KEY (or their _FILE)")
	}
	if c.Notify.SMSTemplates != "" && c.SMS.Provider != "http" {
		return fmt.Errorf("config: ZHIPAI_NOTIFY_SMS_TEMPLATES needs ZHIPAI_SMS_PROVIDER=http")
	}
	if c.Notify.WeChatTemplates != "" && c.WeChat.AppID == "" {
		return fmt.Errorf("config: ZHIPAI_NOTIFY_WECHAT_TEMPLATES needs ZHIPAI_WECHAT_APPID")
	}
	if (c.WeChat.AppID == "") != (c.WeChat.Secret == "") {
		return fmt.Errorf("config: WeChat sign-in needs both ZHIPAI_WECHAT_APPID and ZHIPAI_WECHAT_SECRET")
	}
	return nil
}

// Redacted lists the settings for the log, secrets shown only as set or
// not.
func (c Config) Redacted() []any {
	set := func(s string) string {
		if s == "" {
			return "(unset)"
		}
		return "(set)"
	}
	db := c.DatabaseURL
	if u, err := url.Parse(db); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		db = u.String()
	}
	return []any{
		"addr", c.Addr, "data_dir", c.DataDir, "database", db, "secret_key", set(c.SecretKey),
		"public_url", c.PublicURL, "trusted_proxies", fmt.Sprint(c.TrustedProxies), "photo_workers", c.PhotoWorkers, "queue_limit", c.QueueLimit, "memory_mb", c.MemoryMB,
		"blob_url", c.BlobURL, "s3_access_key", set(c.S3AccessKey), "s3_secret_key", set(c.S3SecretKey), "sms_provider", c.SMS.Provider, "sms_key", set(c.SMS.Key), "wechat_appid", c.WeChat.AppID, "wechat_secret", set(c.WeChat.Secret),
		"notify_sms_templates", c.Notify.SMSTemplates, "notify_wechat_templates", c.Notify.WeChatTemplates,
	}
}

// Beside is where a file that `make build` installs beside the binary, and
// a source checkout keeps in lib/, may be, first to last: the executable's
// directory, ../lib next to it, and lib/ in the working directory or any
// parent (the ONNX Runtime library, the OCR model directory).
func Beside(name string) []string {
	var candidates []string
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		candidates = append(candidates, filepath.Join(dir, name), filepath.Join(dir, "..", "lib", name))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			candidates = append(candidates, filepath.Join(dir, "lib", name))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return candidates
}
