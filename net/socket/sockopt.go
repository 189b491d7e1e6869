package socket

import (
	"time"

	"github.com/gorump/gorump/kern/errno"
)

// Linger is SO_LINGER's value (struct linger): with On, Close waits up
// to Sec seconds for a stream connection to finish, and resets it when
// Sec is 0.
type Linger struct {
	On  bool
	Sec int
}

// Option returns the int option name at level: SO_TYPE, SO_ERROR (the
// pending error's number, which it clears), SO_ACCEPTCONN and
// SO_NOSIGPIPE are the socket layer's, the rest are the protocol's.
// ENOPROTOOPT for options that are not ints (SO_LINGER, SO_RCVTIMEO,
// SO_SNDTIMEO: see Linger and Timeout) or that nobody has.
func (s *Socket) Option(level, name int) (int, error) {
	if level == SOL_SOCKET {
		switch name {
		case SO_TYPE:
			return s.typ, nil
		case SO_ACCEPTCONN:
			return boolInt(s.listening.Load()), nil
		case SO_NOSIGPIPE:
			return boolInt(s.nosigpipe.Load()), nil
		case SO_ERROR:
			if err := s.enter(); err != nil {
				return 0, err
			}
			defer s.leave()
			return errnoValue(s.pcb.Error()), nil
		case SO_LINGER, SO_RCVTIMEO, SO_SNDTIMEO:
			return 0, errno.ENOPROTOOPT
		}
	}
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.leave()
	return s.pcb.Option(level, name)
}

// SetOption sets an int option. SO_NOSIGPIPE is the socket layer's;
// SO_TYPE, SO_ERROR and SO_ACCEPTCONN cannot be set (ENOPROTOOPT); the
// rest go to the protocol.
func (s *Socket) SetOption(level, name, value int) error {
	if level == SOL_SOCKET {
		switch name {
		case SO_NOSIGPIPE:
			s.nosigpipe.Store(value != 0)
			return nil
		case SO_TYPE, SO_ERROR, SO_ACCEPTCONN, SO_LINGER, SO_RCVTIMEO, SO_SNDTIMEO:
			return errno.ENOPROTOOPT
		}
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.pcb.SetOption(level, name, value)
}

// Linger returns SO_LINGER.
func (s *Socket) Linger() Linger {
	return Linger{On: s.lingerOn.Load(), Sec: int(s.lingerSec.Load())}
}

// SetLinger sets SO_LINGER; a negative time is EINVAL.
func (s *Socket) SetLinger(l Linger) error {
	if l.Sec < 0 || l.Sec > 1<<31-1 {
		return errno.EINVAL
	}
	s.lingerSec.Store(int32(l.Sec))
	s.lingerOn.Store(l.On)
	return nil
}

// Timeout returns SO_RCVTIMEO or SO_SNDTIMEO (name); 0 means none.
func (s *Socket) Timeout(name int) (time.Duration, error) {
	switch name {
	case SO_RCVTIMEO:
		return time.Duration(s.rcvTimeo.Load()), nil
	case SO_SNDTIMEO:
		return time.Duration(s.sndTimeo.Load()), nil
	}
	return 0, errno.ENOPROTOOPT
}

// SetTimeout sets SO_RCVTIMEO or SO_SNDTIMEO: a blocking receive or send
// that waits longer gives EAGAIN. 0 means no timeout; a negative one is
// EDOM, as NetBSD.
func (s *Socket) SetTimeout(name int, d time.Duration) error {
	if d < 0 {
		return errno.EDOM
	}
	switch name {
	case SO_RCVTIMEO:
		s.rcvTimeo.Store(int64(d))
	case SO_SNDTIMEO:
		s.sndTimeo.Store(int64(d))
	default:
		return errno.ENOPROTOOPT
	}
	s.w.Wake()
	return nil
}

// Error returns and clears the pending error (SO_ERROR).
func (s *Socket) Error() error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.pcb.Error()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// errnoValue returns err's number, 0 for nil.
func errnoValue(err error) int {
	if err == nil {
		return 0
	}
	if e, ok := errno.From(err).(errno.Errno); ok {
		return int(e)
	}
	return int(errno.EIO)
}
