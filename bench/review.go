package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// reviewBulk decides the submissions through POST /api/review/bulk (at most 500 ids a call)
// and fails unless every one was decided.
func reviewBulk(ctx context.Context, c *client, token, action, note string, ids []string) error {
	for i := 0; i < len(ids); i += 500 {
		chunk := ids[i:min(i+500, len(ids))]
		var ans struct {
			Done    int `json:"done"`
			Failed  int `json:"failed"`
			Results []struct {
				ID      string `json:"id"`
				Message string `json:"message"`
			} `json:"results"`
		}
		err := c.do(ctx, "POST", "/api/review/bulk", token, map[string]any{"action": action, "note": note, "ids": chunk}, &ans)
		if err != nil {
			return err
		}
		if ans.Failed > 0 || ans.Done != len(chunk) {
			msg := ""
			for _, r := range ans.Results {
				if r.Message != "" {
					msg = r.ID + ": " + r.Message
					break
				}
			}
			return fmt.Errorf("bulk %s: %d done, %d failed (%s)", action, ans.Done, ans.Failed, msg)
		}
	}
	return nil
}

type pullAnswer struct {
	Cursor    string            `json:"cursor"`
	HasMore   bool              `json:"has_more"`
	Surveys   []json.RawMessage `json:"surveys"`
	Decisions []json.RawMessage `json:"decisions"`
}

// pull is one GET /api/sync/pull, timed to the end of the answer.
func pull(ctx context.Context, c *client, token, cursor string, limit int) (pullAnswer, time.Duration, error) {
	var ans pullAnswer
	path := fmt.Sprintf("/api/sync/pull?cursor=%s&limit=%d&device_id=bench-device", url.QueryEscape(cursor), limit)
	start := time.Now()
	status, body, err := c.raw(ctx, "GET", path, token, nil)
	d := time.Since(start)
	if err != nil {
		return ans, d, err
	}
	if status != 200 {
		return ans, d, &httpError{Method: "GET", Path: path, Status: status, Body: string(body)}
	}
	return ans, d, json.Unmarshal(body, &ans)
}
