package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"zhipai/internal/domain"
	"zhipai/internal/enrol"
	"zhipai/internal/idnumber"
	"zhipai/internal/jpegturbo"
	"zhipai/internal/photo/synth"
	"zhipai/internal/raster"
	"zhipai/internal/store"
)

// Demo names the seeded demo data.
type Demo struct {
	SchoolID, CampaignID int64
	JoinCode             string
	Student              DemoStudent
	RosterRows           int
}

// DemoStudent is a roster row a newcomer can sign in as.
type DemoStudent struct {
	Name, DocNumber, Phone string
}

// DemoJoinCode is the demo campaign's 特征码.
const DemoJoinCode = "ZHIPAI2026"

// DemoConsentText is the demo campaign's separate consent (requirements
// PS-1): purpose, necessity, what is collected and kept how long, who
// receives and who processes it, sub-processors, rights and withdrawal.
const DemoConsentText = `个人敏感信息处理单独授权（示范大学 2026 级新生照片采集）

一、处理目的与必要性：为完成新生学籍注册、制作校园卡及学历照片备案，示范大学（以下简称“学校”）委托照片服务商通过“智拍”系统采集你的标准证件照。核验身份是防止他人冒用你的学籍所必需的。

二、收集的信息：姓名、证件类型与号码、证件照片（人像面与国徽面）、你上传的人像照片及其处理结果、手机号码。证件号码加密存储，页面仅显示部分号码；照片加密存储。人脸关键点仅在照片处理过程中临时使用，处理完即删除，不建立人脸特征库。

三、保存期限：证件照片在本次采集结束后 30 天内删除；标准照片与身份信息在交付学校后按学校与服务商的委托协议删除，最长不超过采集结束后 1 年。

四、接收方与处理者：信息提供给学校用于学籍管理；照片服务商受学校委托处理，联系电话见“客服”页面；短信服务商仅接收手机号用于发送验证码。

五、对你的影响：拒绝授权将无法在线完成照片采集，你可以联系学院线下办理。

六、你的权利：你可以查阅、更正你的信息，也可以撤回本授权；撤回后我们将停止处理并删除已收集的信息，但不影响撤回前已进行的处理。撤回或行使权利请联系学院或客服。

未满 14 周岁的同学须由监护人阅读并同意本授权。`

// demoFAQ answers what students ask most.
var demoFAQ = []enrol.FAQEntry{
	{Q: "照片背景不是白墙可以吗？", A: "请尽量在白墙前拍摄，系统会自动换成规定底色；背景杂乱或有他人会被提示重拍。"},
	{Q: "可以自拍吗？", A: "不可以。自拍距离太近会让脸部变形，请由他人用手机后置摄像头在约 1 米外拍摄。"},
	{Q: "戴眼镜可以吗？", A: "平时一直戴眼镜的同学可以戴，但不能戴有色眼镜或美瞳，镜片不能反光。"},
	{Q: "照片被驳回怎么办？", A: "在“审核状态”中查看驳回原因和重拍期限，按提示重新拍摄上传即可。"},
	{Q: "提示“未在名单中或信息不一致”怎么办？", A: "请核对姓名和证件号码是否与录取信息一致；仍无法通过请联系学院辅导员。"},
}

var demoNames = []string{"张三", "李四", "王五", "赵六", "陈晓明", "刘洋", "杨帆", "黄丽", "周杰", "吴敏",
	"徐静", "孙浩", "马超", "朱琳", "胡军", "郭靖", "何欣", "高峰", "林娜", "罗成",
	"阿依古丽·买买提", "郑爽", "梁雨", "宋佳", "谢婷", "韩梅梅", "唐宁", "冯雪", "于洋", "董杰"}

var demoColleges = []struct{ college, major string }{
	{"计算机学院", "计算机科学与技术"}, {"计算机学院", "软件工程"}, {"数学学院", "数学与应用数学"}, {"外国语学院", "英语"}, {"经济管理学院", "会计学"},
}

// demoDocNumber is a valid, fictitious 居民身份证 number: region 110101,
// born 2007-09-(i%28+1), check digit computed.
func demoDocNumber(i int) string {
	first := fmt.Sprintf("110101200709%02d%03d", i%28+1, 100+i)
	return first + string(idnumber.CheckChar(first))
}

// DemoStudentAt is the i-th student of the demo roster (0-29).
func DemoStudentAt(i int) DemoStudent {
	return DemoStudent{Name: demoNames[i%len(demoNames)], DocNumber: demoDocNumber(i % len(demoNames)), Phone: fmt.Sprintf("138%08d", 138000+i)}
}

// SeedDemo creates (once) a demo school, an open campaign with the 学信网
// spec and a roster of 30 fictitious students.
func SeedDemo(ctx context.Context, a *App) (Demo, error) {
	d := Demo{JoinCode: DemoJoinCode, Student: DemoStudentAt(0)}
	school, err := a.Store.SchoolByCode(ctx, "DEMO")
	if errors.Is(err, store.ErrNotFound) {
		school = domain.School{Name: "示范大学", Code: "DEMO", ContactName: "示范大学招生办", ContactPhone: "010-00000000", ContactHours: "工作日 8:30-17:30"}
		school.ID, err = a.Store.CreateSchool(ctx, school)
	}
	if err != nil {
		return d, fmt.Errorf("demo: school: %w", err)
	}
	d.SchoolID = school.ID
	c, err := a.Store.CampaignByJoinCode(ctx, DemoJoinCode)
	if errors.Is(err, store.ErrNotFound) {
		faq, _ := json.Marshal(demoFAQ)
		now := time.Now()
		c = domain.Campaign{
			SchoolID: school.ID, Name: "2026 级新生入学照片采集", Kind: string(domain.KindFreshman), SpecJSON: `{"name":"chsi"}`,
			JoinCode: DemoJoinCode, OpensAt: now.Add(-time.Hour), ClosesAt: now.AddDate(1, 0, 0), AllowAlbum: true, RequireIDImages: true,
			IDTypes: strings.Join([]string{string(idnumber.ResidentID), string(idnumber.HKMOPermit), string(idnumber.TWPermit),
				string(idnumber.ForeignPermanent), string(idnumber.ForeignPassport)}, ","),
			ConsentVersion: "2026-09-v1", ConsentText: DemoConsentText, FAQJSON: string(faq), MaxUploads: 10,
		}
		c.ID, err = a.Store.CreateCampaign(ctx, c)
	}
	if err != nil {
		return d, fmt.Errorf("demo: campaign: %w", err)
	}
	d.CampaignID = c.ID
	rows := [][]string{{"姓名", "证件类型", "证件号码", "考生号", "学号", "学院", "专业", "班级", "年级", "层次", "性别"}}
	for i, name := range demoNames {
		cm := demoColleges[i%len(demoColleges)]
		gender := "女"
		if i%2 == 0 {
			gender = "男"
		}
		rows = append(rows, []string{name, "居民身份证", demoDocNumber(i), fmt.Sprintf("26110101%06d", i+1), fmt.Sprintf("2026%04d", i+1),
			cm.college, cm.major, fmt.Sprintf("%s 2026-%d 班", cm.major, i%2+1), "2026", "本科", gender})
	}
	rep, err := a.Roster.Import(ctx, c.ID, rows)
	if err != nil {
		return d, err
	}
	if !rep.Imported {
		return d, fmt.Errorf("demo: roster rejected: %+v", rep.Errors)
	}
	d.RosterRows = rep.Created + rep.Updated
	if err := seedDemoStaff(ctx, a, school.ID); err != nil {
		return d, err
	}
	return d, nil
}

// CardPerson is what the specimen card of a fictitious person with this
// name and number prints: sex and birth date from the number, a made-up
// address and authority, a validity period that has not ended.
func CardPerson(name, number string) synth.CardPerson {
	p := synth.CardPerson{Name: name, Number: number, Ethnic: "汉", Sex: "女",
		Address: "示范省示范市示范路1号示范大学新生公寓", Authority: "示范市公安局示范分局",
		ValidFrom: "2024.08.20", ValidTo: "2034.08.20"}
	if len(number) == 18 {
		p.BirthYear, _ = strconv.Atoi(number[6:10])
		p.BirthMonth, _ = strconv.Atoi(number[10:12])
		p.BirthDay, _ = strconv.Atoi(number[12:14])
		if (number[16]-'0')%2 == 1 {
			p.Sex = "男"
		}
	}
	return p
}

// WriteDemoCards renders photos of the specimen identity card of the
// student (a fictitious person: name and number as a real card lays them
// out, the front with the given portrait, the back with an emblem; no real
// document is depicted) into dir as idcard-front.jpg and idcard-back.jpg,
// for trying the identity step without a real card.
func WriteDemoCards(dir string, portrait *raster.Image, student DemoStudent) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	front, back, err := DemoCardPhotos(portrait, CardPerson(student.Name, student.DocNumber))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "idcard-front.jpg"), front, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "idcard-back.jpg"), back, 0o644)
}

// DemoCardPhotos renders the JPEG photos of a specimen card's two sides,
// lying flat on a table.
func DemoCardPhotos(portrait *raster.Image, p synth.CardPerson) (front, back []byte, err error) {
	at := [4][2]float64{{150, 140}, {1450, 160}, {1430, 990}, {170, 975}}
	var out [2][]byte
	for i, side := range []bool{true, false} {
		card, err := synth.IDCardText(side, portrait, p, 7)
		if err != nil {
			return nil, nil, err
		}
		if out[i], err = jpegturbo.Encode(synth.CardPhoto(card, at, 1600, 1200, 0, 0, 9), jpegturbo.EncodeOptions{Quality: 90, DPI: 72}); err != nil {
			return nil, nil, err
		}
	}
	return out[0], out[1], nil
}
