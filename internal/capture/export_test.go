package capture

// Waiting counts the uploads with a registered finish signal (tests).
func (s *Service) Waiting() int { return s.waiting.count() }

// Heard is how many finished uploads the database announced.
func (s *Service) Heard() int64 { return s.heard.Load() }
