package manage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"zhipai/internal/domain"
	"zhipai/internal/idnumber"
	"zhipai/internal/photo"
	"zhipai/internal/staff"
	"zhipai/internal/store"
)

// Codes of campaign settings.
const (
	CodeCampaignInvalid = "manage.campaign_invalid"
	CodeJoinCodeTaken   = "manage.join_code_taken"
)

// CampaignInput is a new campaign's settings.
type CampaignInput struct {
	SchoolID        int64     `json:"school_id,omitempty"` // the vendor's admin names the school; a school admin's is their own
	Name            string    `json:"name"`
	Kind            string    `json:"kind"` // freshman, diploma, campus, other
	Spec            string    `json:"spec"` // a built-in spec: chsi, xueji-blue, idcard...
	OpensAt         time.Time `json:"opens_at"`
	ClosesAt        time.Time `json:"closes_at"`
	JoinCode        string    `json:"join_code,omitempty"` // empty: generated
	MaxUploads      int       `json:"max_uploads"`
	AllowAlbum      bool      `json:"allow_album"`
	RequireIDImages bool      `json:"require_id_images"`
}

// CampaignView is a campaign as the console lists it.
type CampaignView struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	School   string    `json:"school"`
	Kind     string    `json:"kind"`
	Spec     string    `json:"spec"`
	JoinCode string    `json:"join_code"`
	OpensAt  time.Time `json:"opens_at"`
	ClosesAt time.Time `json:"closes_at"`
}

var joinCodeRe = regexp.MustCompile(`^[A-Z0-9]{4,32}$`)

// CreateCampaign makes a campaign of the caller's school (the vendor's
// admin: of any school), with the standard consent text naming the school;
// audited.
func (s *Service) CreateCampaign(ctx context.Context, who staff.Staff, in CampaignInput, where staff.Where) (CampaignView, error) {
	if !who.User.Role.Manages() {
		return CampaignView{}, Errors.Fail(CodeForbidden, nil)
	}
	if !who.Scope.Vendor {
		in.SchoolID = who.Scope.SchoolID
	}
	bad := func(msg string) (CampaignView, error) {
		return CampaignView{}, Errors.FailMsg(CodeCampaignInvalid, msg)
	}
	in.Name = strings.TrimSpace(in.Name)
	in.JoinCode = strings.ToUpper(strings.TrimSpace(in.JoinCode))
	spec, err := photo.LookupSpec(in.Spec)
	switch {
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 60:
		return bad("请填写批次名称（最多 60 个字）。")
	case domain.CampaignKind(in.Kind).Title() == "":
		return bad("请选择采集类型。")
	case err != nil:
		return bad("请选择照片规格。")
	case in.OpensAt.IsZero() || !in.ClosesAt.After(in.OpensAt):
		return bad("结束时间须晚于开始时间。")
	case in.MaxUploads < 1 || in.MaxUploads > 50:
		return bad("上传次数须在 1 到 50 之间。")
	case in.JoinCode != "" && !joinCodeRe.MatchString(in.JoinCode):
		return bad("特征码为 4-32 位大写字母或数字。")
	}
	school, err := s.store.School(ctx, in.SchoolID)
	if errors.Is(err, store.ErrNotFound) {
		return bad("没有这所学校。")
	} else if err != nil {
		return CampaignView{}, domain.Internal("school: %w", err)
	}
	if in.JoinCode == "" {
		in.JoinCode = newJoinCode()
	}
	c := domain.Campaign{SchoolID: school.ID, Name: in.Name, Kind: in.Kind, SpecJSON: fmt.Sprintf(`{"name":%q}`, spec.Name), JoinCode: in.JoinCode,
		OpensAt: in.OpensAt, ClosesAt: in.ClosesAt, AllowAlbum: in.AllowAlbum, RequireIDImages: in.RequireIDImages,
		IDTypes: strings.Join([]string{string(idnumber.ResidentID), string(idnumber.HKMOPermit), string(idnumber.TWPermit),
			string(idnumber.ForeignPermanent), string(idnumber.ForeignPassport)}, ","),
		ConsentVersion: in.OpensAt.Format("2006-01") + "-v1", ConsentText: ConsentText(school.Name, in.Name), FAQJSON: "[]", MaxUploads: in.MaxUploads}
	id, err := s.store.CreateCampaign(ctx, c)
	if errors.Is(err, store.ErrConflict) {
		return CampaignView{}, Errors.Fail(CodeJoinCodeTaken, nil)
	}
	if err != nil {
		return CampaignView{}, domain.Internal("campaign: %w", err)
	}
	after := fmt.Sprintf("name=%s kind=%s spec=%s join_code=%s opens=%s closes=%s max_uploads=%d album=%v id_images=%v",
		c.Name, c.Kind, spec.Name, c.JoinCode, c.OpensAt.Format(time.RFC3339), c.ClosesAt.Format(time.RFC3339), c.MaxUploads, c.AllowAlbum, c.RequireIDImages)
	if _, err := s.audit.Record(ctx, domain.AuditEntry{TenantID: school.ID, ActorID: who.User.ID, ActorRole: string(who.User.Role), IP: where.IP, UA: where.UA,
		Action: "campaign.create", Target: "campaign:" + strconv.FormatInt(id, 10), After: after}); err != nil {
		return CampaignView{}, domain.Internal("audit: %w", err)
	}
	return CampaignView{ID: id, Name: c.Name, School: school.Name, Kind: c.Kind, Spec: spec.Name, JoinCode: c.JoinCode, OpensAt: c.OpensAt, ClosesAt: c.ClosesAt}, nil
}

// newJoinCode is 8 characters without look-alikes.
func newJoinCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// ConsentText is the separate consent for sensitive personal data (PS-1)
// of a school's campaign.
func ConsentText(school, campaign string) string {
	return "个人敏感信息处理单独授权（" + school + " " + campaign + "）\n\n" +
		"一、处理目的与必要性：为完成学籍注册、制作校园卡及学历照片备案，" + school + "（以下简称“学校”）委托照片服务商通过“智拍”系统采集你的标准证件照。核验身份是防止他人冒用你的学籍所必需的。\n\n" +
		"二、收集的信息：姓名、证件类型与号码、证件照片（人像面与国徽面）、你上传的人像照片及其处理结果、手机号码。证件号码加密存储，页面仅显示部分号码；照片加密存储。人脸关键点仅在照片处理过程中临时使用，处理完即删除，不建立人脸特征库。\n\n" +
		"三、保存期限：证件照片在本次采集结束后 30 天内删除；标准照片与身份信息在交付学校后按学校与服务商的委托协议删除，最长不超过采集结束后 1 年。\n\n" +
		"四、接收方与处理者：信息提供给学校用于学籍管理；照片服务商受学校委托处理，联系电话见“客服”页面；短信服务商仅接收手机号用于发送验证码。\n\n" +
		"五、对你的影响：拒绝授权将无法在线完成照片采集，你可以联系学院线下办理。\n\n" +
		"六、你的权利：你可以查阅、更正你的信息，也可以撤回本授权；撤回后我们将停止处理并删除已收集的信息，但不影响撤回前已进行的处理。撤回或行使权利请联系学院或客服。\n\n" +
		"未满 14 周岁的同学须由监护人阅读并同意本授权。"
}
