package protocol

// CloseCode is a WebSocket close status used by the realtime protocol.
type CloseCode int

// Close codes of PROTOCOL.md section 1.
const (
	CloseNormal        CloseCode = 1000 // normal close; clients do not reconnect after it
	CloseGoingAway     CloseCode = 1001 // server shutdown
	CloseAuthTimeout   CloseCode = 4001 // no config in time
	CloseAuthFailed    CloseCode = 4002 // bad key, or plan without WebSocket access
	CloseInvalid       CloseCode = 4003 // invalid message
	CloseRateLimited   CloseCode = 4004 // too many connections or generations, or quota exhausted
	CloseServerError   CloseCode = 4005 // server error, or a client too slow to read
	CloseSlotsOccupied CloseCode = 4006 // server at its connection limit
)

// String names the code the way the protocol table does.
func (c CloseCode) String() string {
	switch c {
	case CloseNormal:
		return "normal close"
	case CloseGoingAway:
		return "going away"
	case CloseAuthTimeout:
		return "authentication timeout"
	case CloseAuthFailed:
		return "authentication failed"
	case CloseInvalid:
		return "invalid message"
	case CloseRateLimited:
		return "rate limited"
	case CloseServerError:
		return "server error"
	case CloseSlotsOccupied:
		return "all slots occupied"
	}
	return "unknown"
}

// Reconnect reports whether a client should reconnect after the server
// closed with this code. Only a normal close ends a client's session for
// good; PROTOCOL.md section 4.
func (c CloseCode) Reconnect() bool { return c != CloseNormal }
