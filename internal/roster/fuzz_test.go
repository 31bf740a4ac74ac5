package roster

import (
	"testing"

	"github.com/xuri/excelize/v2"
)

// FuzzReadFile: any uploaded roster file is read into rows or refused; it
// never panics, and the header check copes with whatever rows come out.
func FuzzReadFile(f *testing.F) {
	f.Add("r.csv", []byte("姓名,身份证号,学号\n张三,11010519491231002X,1\n"))
	f.Add("r.csv", []byte("\xef\xbb\xbf姓名,证件号码\n\"=1+1\",x\n"))
	f.Add("r.csv", []byte("\xd0\xd5\xc3\xfb,\xd6\xa4\xbc\xfe\xba\xc5\xc2\xeb\n"))
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "身份证号"})
	buf, _ := x.WriteToBuffer()
	f.Add("r.xlsx", buf.Bytes())
	f.Add("r.xlsx", []byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		rows, err := ReadFile(name, data)
		if err != nil {
			return
		}
		if len(rows) > 0 {
			cols := map[string]int{}
			for i, h := range rows[0] {
				if c, ok := headerAliases[h]; ok {
					cols[c] = i
				}
			}
			for _, row := range rows {
				unsafeCell(row, cols)
			}
		}
	})
}
