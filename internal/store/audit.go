package store

import (
	"context"

	"zhipai/internal/domain"
)

// AppendAudit appends a row to its tenant's chain in one transaction: the
// chain's head is locked, link computes the row's hash from the previous
// one (and fills Seq, At and PrevHash), the row and the new head are
// written. Appends to one chain are thus never forked.
func (s *Store) AppendAudit(ctx context.Context, e domain.AuditEntry, link func(*domain.AuditEntry)) (domain.AuditEntry, error) {
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (?, 0, '') ON CONFLICT (tenant_id) DO NOTHING`, e.TenantID); err != nil {
			return err
		}
		lock := ""
		if s.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		var seq int64
		var prev string
		if err := s.row(ctx, tx, `SELECT seq, hash FROM audit_heads WHERE tenant_id = ?`+lock, e.TenantID).Scan(&seq, &prev); err != nil {
			return err
		}
		e.Seq, e.PrevHash, e.At = seq+1, prev, msTime(s.ms())
		link(&e)
		if _, err := s.exec(ctx, tx, `INSERT INTO audit_log (tenant_id, seq, at, actor_id, actor_role, ip, ua, action, target, before_val, after_val, reason, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.TenantID, e.Seq, e.At.UnixMilli(), e.ActorID, e.ActorRole, e.IP, e.UA, e.Action, e.Target, e.Before, e.After, e.Reason, e.PrevHash, e.Hash); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, `UPDATE audit_heads SET seq = ?, hash = ? WHERE tenant_id = ?`, e.Seq, e.Hash, e.TenantID)
		return err
	})
	return e, err
}

// AuditTenants lists the tenants that have a chain.
func (s *Store) AuditTenants(ctx context.Context) ([]int64, error) {
	return s.ids(ctx, `SELECT tenant_id FROM audit_heads ORDER BY tenant_id`)
}

// AuditHead is a chain's last link as the head table records it.
func (s *Store) AuditHead(ctx context.Context, tenant int64) (seq int64, hash string, err error) {
	err = s.row(ctx, nil, `SELECT seq, hash FROM audit_heads WHERE tenant_id = ?`, tenant).Scan(&seq, &hash)
	return seq, hash, notFound(err, "audit chain", tenant)
}

// AuditRows reads a chain in order, from after seq, at most limit rows.
func (s *Store) AuditRows(ctx context.Context, tenant, after int64, limit int) ([]domain.AuditEntry, error) {
	return s.auditQuery(ctx, `WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?`, tenant, after, limit)
}

// AuditPage reads a chain newest first: up to limit rows before seq
// (0: from the newest), of one action when given.
func (s *Store) AuditPage(ctx context.Context, tenant, before int64, action string, limit int) ([]domain.AuditEntry, error) {
	q, args := `WHERE tenant_id = ?`, []any{tenant}
	if before > 0 {
		q += ` AND seq < ?`
		args = append(args, before)
	}
	if action != "" {
		q += ` AND action = ?`
		args = append(args, action)
	}
	return s.auditQuery(ctx, q+` ORDER BY seq DESC LIMIT ?`, append(args, limit)...)
}

// auditQuery reads audit rows given the query's WHERE, ORDER BY and LIMIT.
func (s *Store) auditQuery(ctx context.Context, tail string, args ...any) ([]domain.AuditEntry, error) {
	rows, err := s.rows(ctx, nil, `SELECT tenant_id, seq, at, actor_id, actor_role, ip, ua, action, target, before_val, after_val, reason, prev_hash, hash
		FROM audit_log `+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.AuditEntry
	for rows.Next() {
		var e domain.AuditEntry
		var at int64
		if err := rows.Scan(&e.TenantID, &e.Seq, &at, &e.ActorID, &e.ActorRole, &e.IP, &e.UA, &e.Action, &e.Target, &e.Before, &e.After, &e.Reason, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At = msTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
