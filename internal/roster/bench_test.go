package roster_test

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zhipai/internal/app/apptest"
	"zhipai/internal/idnumber"
	"zhipai/internal/roster"
	"zhipai/internal/store"
)

// rosterXLSX is a school's roster of n fictitious students.
func rosterXLSX(b testing.TB, n int) []byte {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	sw.SetRow("A1", []any{"姓名", "证件类型", "证件号码", "考生号", "学号", "学院", "专业", "班级", "年级", "层次", "性别"})
	for i := range n {
		first := fmt.Sprintf("110101%04d%02d%02d%03d", 2000+i%8, 1+i%12, 1+i%28, i%1000)
		doc := first + string(idnumber.CheckChar(first))
		college := fmt.Sprintf("第%d学院", i%20)
		name := string([]rune("赵钱孙李周吴郑王冯陈")[i%10]) + string([]rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平")[(i/10)%20]) + string([]rune("一二三四五六七八九十")[(i/200)%10])
		sw.SetRow(fmt.Sprintf("A%d", i+2), []any{name, "居民身份证", doc, fmt.Sprintf("2611%010d", i), fmt.Sprintf("2026%06d", i),
			college, college + "专业", fmt.Sprintf("%s %d 班", college, i%40), "2026", "本科", []string{"男", "女"}[i%2]})
	}
	sw.Flush()
	var buf bytes.Buffer
	f.Write(&buf)
	return buf.Bytes()
}

// BenchmarkImport20000XLSX reads and imports a 20,000-row XLSX roster
// (the target: 10 s and 200 MB of memory growth); it reports the peak heap
// growth as MB-heap.
func BenchmarkImport20000XLSX(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			env := apptest.New(b, d, apptest.Options{NoWorkers: true})
			data := rosterXLSX(b, 20000)
			b.ResetTimer()
			var peak uint64
			for range b.N {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				done := make(chan struct{})
				go func() { // sample the heap while importing
					var m runtime.MemStats
					for {
						select {
						case <-done:
							return
						default:
						}
						runtime.ReadMemStats(&m)
						if g := m.HeapAlloc - before.HeapAlloc; m.HeapAlloc > before.HeapAlloc && g > peak {
							peak = g
						}
						time.Sleep(20 * time.Millisecond) // ReadMemStats stops the world: sample, do not spin
					}
				}()
				rows, err := roster.ReadFile("r.xlsx", data)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := env.App.Roster.Import(b.Context(), env.Demo.CampaignID, rows)
				close(done)
				if err != nil || !rep.Imported || rep.Rows != 20000 {
					b.Fatalf("import: %v %+v", err, rep.Errors[:min(3, len(rep.Errors))])
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "MB-heap")
		})
	}
}
