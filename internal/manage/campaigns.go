package manage

import (
	"context"
	"crypto/rand"
	"encoding/json"
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

// CampaignInput is a campaign's settings, for a new one or a change.
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
	// RosterOptional: a student not on the roster is added to it from
	// their checked identity instead of being refused.
	RosterOptional bool `json:"roster_optional,omitempty"`
	// ReviewDays is the review deadline in working days (default 2).
	ReviewDays int `json:"review_days,omitempty"`
	// Reasons are the review reasons in use with their student-facing
	// text; empty is every built-in reason with its built-in advice.
	Reasons []domain.ReasonSetting `json:"reasons,omitempty"`
	// SecondReview: the vendor's reviewers pass first, the school's
	// decide; SamplePercent of approvals (0-100) are drawn for a second
	// look (requirements RV-8).
	SecondReview  bool `json:"second_review,omitempty"`
	SamplePercent int  `json:"sample_percent,omitempty"`
}

// CampaignView is a campaign as the console shows it.
type CampaignView struct {
	ID              int64                  `json:"id"`
	Name            string                 `json:"name"`
	SchoolID        int64                  `json:"school_id"`
	School          string                 `json:"school"`
	Kind            string                 `json:"kind"`
	Spec            string                 `json:"spec"`
	JoinCode        string                 `json:"join_code"`
	OpensAt         time.Time              `json:"opens_at"`
	ClosesAt        time.Time              `json:"closes_at"`
	MaxUploads      int                    `json:"max_uploads"`
	AllowAlbum      bool                   `json:"allow_album"`
	RequireIDImages bool                   `json:"require_id_images"`
	RosterOptional  bool                   `json:"roster_optional"`
	ReviewDays      int                    `json:"review_days"`
	Reasons         []domain.ReasonSetting `json:"reasons"`
	SecondReview    bool                   `json:"second_review"`
	SamplePercent   int                    `json:"sample_percent"`
}

func campaignView(c domain.Campaign) CampaignView {
	return CampaignView{ID: c.ID, Name: c.Name, SchoolID: c.SchoolID, School: c.School.Name, Kind: c.Kind, Spec: SpecName(c), JoinCode: c.JoinCode,
		OpensAt: c.OpensAt, ClosesAt: c.ClosesAt, MaxUploads: c.MaxUploads, AllowAlbum: c.AllowAlbum, RequireIDImages: c.RequireIDImages,
		RosterOptional: c.RosterOptional, ReviewDays: c.ReviewDays, Reasons: c.ReasonsInUse(), SecondReview: c.SecondReview, SamplePercent: c.SamplePercent}
}

// SpecName is the name of a campaign's output spec.
func SpecName(c domain.Campaign) string {
	var sp struct {
		Name string `json:"name"`
	}
	json.Unmarshal([]byte(c.SpecJSON), &sp)
	return sp.Name
}

var joinCodeRe = regexp.MustCompile(`^[A-Z0-9]{4,32}$`)

// settings checks a campaign's settings and puts them on c.
func settings(in CampaignInput, c *domain.Campaign) error {
	bad := func(msg string) error { return Errors.FailMsg(CodeCampaignInvalid, msg) }
	in.Name = strings.TrimSpace(in.Name)
	in.JoinCode = strings.ToUpper(strings.TrimSpace(in.JoinCode))
	if in.ReviewDays == 0 {
		in.ReviewDays = 2
	}
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
	case in.ReviewDays < 1 || in.ReviewDays > 30:
		return bad("审核期限须在 1 到 30 个工作日之间。")
	case in.JoinCode != "" && !joinCodeRe.MatchString(in.JoinCode):
		return bad("特征码为 4-32 位大写字母或数字。")
	}
	reasons := ""
	if len(in.Reasons) > 0 {
		seen := map[domain.Reason]bool{}
		for i, r := range in.Reasons {
			r.Code = domain.Reason(strings.ToUpper(strings.TrimSpace(string(r.Code))))
			r.Text = strings.TrimSpace(r.Text)
			switch {
			case !r.Code.Valid():
				return bad("没有这个驳回原因代码：" + string(r.Code) + "。")
			case seen[r.Code]:
				return bad("驳回原因 " + string(r.Code) + " 出现了两次。")
			case r.Text == "" || utf8.RuneCountInString(r.Text) > 200:
				return bad("请为驳回原因 " + string(r.Code) + " 填写给学生看的说明（最多 200 个字）。")
			}
			seen[r.Code] = true
			in.Reasons[i] = r
		}
		b, _ := json.Marshal(in.Reasons)
		reasons = string(b)
	}
	c.Name, c.Kind, c.SpecJSON, c.JoinCode = in.Name, in.Kind, fmt.Sprintf(`{"name":%q}`, spec.Name), in.JoinCode
	c.OpensAt, c.ClosesAt, c.MaxUploads, c.AllowAlbum, c.RequireIDImages = in.OpensAt, in.ClosesAt, in.MaxUploads, in.AllowAlbum, in.RequireIDImages
	if in.SamplePercent < 0 || in.SamplePercent > 100 {
		return bad("抽检比例须在 0-100 之间。")
	}
	c.ReviewDays, c.ReasonsJSON, c.RosterOptional = in.ReviewDays, reasons, in.RosterOptional
	c.SecondReview, c.SamplePercent = in.SecondReview, in.SamplePercent
	return nil
}

// auditSettings is a campaign's settings as its audit rows record them.
func auditSettings(c domain.Campaign) string {
	return fmt.Sprintf("name=%s kind=%s spec=%s join_code=%s opens=%s closes=%s max_uploads=%d album=%v id_images=%v roster_optional=%v review_days=%d reasons=%s second_review=%v sample_percent=%d",
		c.Name, c.Kind, SpecName(c), c.JoinCode, c.OpensAt.Format(time.RFC3339), c.ClosesAt.Format(time.RFC3339), c.MaxUploads,
		c.AllowAlbum, c.RequireIDImages, c.RosterOptional, c.ReviewDays, c.ReasonsJSON, c.SecondReview, c.SamplePercent)
}

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
	var c domain.Campaign
	if err := settings(in, &c); err != nil {
		return CampaignView{}, err
	}
	school, err := s.store.School(ctx, in.SchoolID)
	if errors.Is(err, store.ErrNotFound) {
		return CampaignView{}, Errors.FailMsg(CodeCampaignInvalid, "没有这所学校。")
	} else if err != nil {
		return CampaignView{}, domain.Internal("school: %w", err)
	}
	if c.JoinCode == "" {
		c.JoinCode = newJoinCode()
	}
	c.SchoolID, c.School = school.ID, school
	c.IDTypes = strings.Join([]string{string(idnumber.ResidentID), string(idnumber.HKMOPermit), string(idnumber.TWPermit),
		string(idnumber.ForeignPermanent), string(idnumber.ForeignPassport)}, ",")
	c.ConsentVersion, c.ConsentText, c.FAQJSON = c.OpensAt.Format("2006-01")+"-v1", ConsentText(school.Name, c.Name), "[]"
	id, err := s.store.CreateCampaign(ctx, c)
	if errors.Is(err, store.ErrConflict) {
		return CampaignView{}, Errors.Fail(CodeJoinCodeTaken, nil)
	}
	if err != nil {
		return CampaignView{}, domain.Internal("campaign: %w", err)
	}
	c.ID = id
	if err := s.record(ctx, who, where, school.ID, "campaign.create", "campaign:"+strconv.FormatInt(id, 10), "", auditSettings(c), ""); err != nil {
		return CampaignView{}, err
	}
	return campaignView(c), nil
}

// CampaignSettings is a campaign's settings, for an admin who manages it.
func (s *Service) CampaignSettings(ctx context.Context, who staff.Staff, id int64) (CampaignView, error) {
	c, err := s.Campaign(ctx, who, id)
	if err != nil {
		return CampaignView{}, err
	}
	return campaignView(c), nil
}

// UpdateCampaign changes a campaign's settings; the audit row has them
// before and after.
func (s *Service) UpdateCampaign(ctx context.Context, who staff.Staff, id int64, in CampaignInput, where staff.Where) (CampaignView, error) {
	c, err := s.Campaign(ctx, who, id)
	if err != nil {
		return CampaignView{}, err
	}
	before := c
	if err := settings(in, &c); err != nil {
		return CampaignView{}, err
	}
	if c.JoinCode == "" {
		c.JoinCode = before.JoinCode
	}
	err = s.store.UpdateCampaign(ctx, c)
	if errors.Is(err, store.ErrConflict) {
		return CampaignView{}, Errors.Fail(CodeJoinCodeTaken, nil)
	}
	if err != nil {
		return CampaignView{}, domain.Internal("campaign: %w", err)
	}
	if err := s.record(ctx, who, where, c.SchoolID, "campaign.update", "campaign:"+strconv.FormatInt(id, 10), auditSettings(before), auditSettings(c), ""); err != nil {
		return CampaignView{}, err
	}
	return campaignView(c), nil
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
