package zhtext

import "testing"

func TestASCIIPunct(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"校验位不正确,请核对":    "校验位不正确，请核对",
		"采集时间:":         "采集时间：",
		"有特征码?":         "有特征码？",
		"新生入学照(校园卡)":    "新生入学照（校园卡）",
		"姓名 : 张三":       "姓名 ： 张三",
		"13:00, f(x)":   "13:00, f(x)",
		"JPG、PNG、WebP":  "JPG、PNG、WebP",
		"“·”(也可输入)":     "“·”（也可输入）",
		"原因代码（R01-R99)": "原因代码（R01-R99）",
		"f(g(x))":       "f(g(x))",
	} {
		if got := Fix(in); got != want {
			t.Errorf("Fix(%q) = %q, want %q", in, got, want)
		}
	}
}
