-- wrk script of bench/delivery_bench.py: POSTs a webhook-like JSON body (BODY is replaced by the
-- script) with the headers a delivery carries.
wrk.method = "POST"
wrk.body = [[BODY]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "runhook/0.1.0"
wrk.headers["webhook-id"] = "msg_2b7Yq3kHf9ZlQm4Rt8Vx1Pc0"
