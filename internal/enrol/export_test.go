package enrol

// Heard is how many finished card checks the database announced.
func (s *Service) Heard() int64 { return s.heard.Load() }
