package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.DatabaseURL != "sqlite:data/zhipai.db" || c.Postgres() || c.SecureCookies() {
		t.Errorf("defaults %+v", c)
	}
	if c.SecretKeyFile != filepath.Join("data", "secret.key") || c.SMS.Provider != "" || c.WeChat.BaseURL != DefaultWeChatBaseURL {
		t.Errorf("defaults %+v", c)
	}
}

func TestSecretsFromFiles(t *testing.T) {
	f := filepath.Join(t.TempDir(), "k")
	os.WriteFile(f, []byte("  abc\n"), 0o600)
	c, err := Load(env(map[string]string{"ZHIPAI_SECRET_KEY_FILE": f, "ZHIPAI_DATABASE_URL": "postgres://u:pw@db/x"}))
	if err != nil || c.SecretKey != "abc" {
		t.Fatalf("%q %v", c.SecretKey, err)
	}
	line := fmt.Sprint(c.Redacted()...)
	if strings.Contains(line, "abc") || strings.Contains(line, "pw") {
		t.Errorf("secret in %s", line)
	}
}

func TestRejects(t *testing.T) {
	for name, m := range map[string]map[string]string{
		"postgres without key": {"ZHIPAI_DATABASE_URL": "postgres://db/x"},
		"unknown database":     {"ZHIPAI_DATABASE_URL": "mysql://db/x"},
		"both key and file":    {"ZHIPAI_SECRET_KEY": "a", "ZHIPAI_SECRET_KEY_FILE": "/x"},
		"missing key file":     {"ZHIPAI_SECRET_KEY_FILE": "/does/not/exist"},
		"http sms without url": {"ZHIPAI_SMS_PROVIDER": "http"},
		"unknown sms":          {"ZHIPAI_SMS_PROVIDER": "carrier-pigeon"},
		"wechat half set":      {"ZHIPAI_WECHAT_APPID": "wx1"},
		"bad workers":          {"ZHIPAI_PHOTO_WORKERS": "many"},
		"zero queue":           {"ZHIPAI_QUEUE_LIMIT": "0"},
		"bad ttl":              {"ZHIPAI_SESSION_TTL": "forever"},
	} {
		if _, err := Load(env(m)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
