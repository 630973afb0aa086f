package rls

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// raiseMessage is the JSON a function puts in the message of
// RAISE SQLSTATE 'PGRST'.
type raiseMessage struct {
	Code    *string `json:"code"`
	Message *string `json:"message"`
	Details *string `json:"details"`
	Hint    *string `json:"hint"`
}

// raiseDetail is the JSON in its detail.
type raiseDetail struct {
	Status  *int              `json:"status"`
	Headers map[string]string `json:"headers"`
}

// fromRaise builds the error a function asked for with
//
//	RAISE SQLSTATE 'PGRST' USING
//	  message = '{"code":"123","message":"...","details":"...","hint":"..."}',
//	  detail  = '{"status":402,"headers":{"X-Reason":"..."}}';
//
// code and message are required in the message, status in the detail.
// Anything else answers 500 PGRST121.
func fromRaise(pgErr *pgconn.PgError) *Error {
	var msg raiseMessage
	var det raiseDetail
	err := json.Unmarshal([]byte(pgErr.Message), &msg)
	if err == nil && (msg.Code == nil || msg.Message == nil) {
		err = errors.New(`message lacks "code" or "message"`)
	}
	if err == nil {
		err = json.Unmarshal([]byte(pgErr.Detail), &det)
	}
	if err == nil && det.Status == nil {
		err = errors.New(`detail lacks "status"`)
	}
	if err == nil && (*det.Status < 100 || *det.Status > 599) {
		err = fmt.Errorf("status %d is not an HTTP status", *det.Status)
	}
	if err != nil {
		return &Error{
			Status:  500,
			Code:    "PGRST121",
			Message: "Cannot parse the JSON of a RAISE SQLSTATE 'PGRST' error",
			Details: err.Error(),
			cause:   pgErr,
		}
	}
	return &Error{
		Status:  *det.Status,
		Code:    *msg.Code,
		Message: *msg.Message,
		Details: deref(msg.Details),
		Hint:    deref(msg.Hint),
		Headers: det.Headers,
		cause:   pgErr,
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
