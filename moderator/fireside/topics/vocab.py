"""Built-in vocabularies: what people write when they ask about each theme of the default agenda.

Each theme lists words and short phrases in three tiers: 3 for words that on their own say
which theme a question is on, 2 for strong hints, 1 for weak ones. Entries go through the same
pipeline as questions (stems, synonyms), so listing one form of a word is enough. A theme is
attached to an agenda segment with the same id, or to the segment whose own title, prompt and
keywords match it best (see ``lexicon.py``); a custom agenda on another subject gets none.

``OTHER`` is the vocabulary of questions that are about the event rather than the talk: slides,
recording, books, careers. It is used with every agenda, except for words the agenda uses.
"""

from __future__ import annotations

THEMES: dict[str, dict[int, str]] = {
    "landscape": {
        3: """landscape, geopolitics, geopolitical, export controls, chip ban, sanctions,
            competition, competitive, competitor, competitors, labs, lab, open weight race,
            model family, model families, licence, community license, apache, permissive, open
            washing, osi, silicon valley, market share, business model, commoditize""",
        2: """deepseek, qwen, alibaba, kimi, moonshot, minimax, glm, zhipu, baichuan, yi, 01.ai,
            tencent, hunyuan, bytedance, doubao, baidu, ernie, internlm, stepfun, llama,
            mistral, mixtral, magistral, gemma, olmo, allen ai, ai2, nemotron, falcon, aleph
            alpha, teuken, eurollm, apertus, pharia, granite, cohere, phi, smollm, bloom,
            pythia, eleuther, r1, v3, gptoss, china, usa, meta, microsoft, nvidia, compete,
            rival, race, winning, win, dominate, dominance, ecosystem, momentum, strategy, free,
            moat, funding, investment, release, weights, player, players, origin, country,
            countries, national, government, trade war, tariffs, trend, bubble burst, training
            cost, efficiency, distill, distillation, mixture of experts, moe, reproducible,
            transparency of training, hype cycle""",
        1: """chinese models, american models, open, west, western, east, europe, release cadence,
            roadmap, future, years, next generation, generation, new models, architecture,
            trained, chips, export, politics, state""",
    },
    "gap": {
        3: """proprietary, closed, closed models, closed source, frontier, frontier models, sota,
            gap, fall short, catchup, parity, on par, lmarena, chatbot arena, leaderboard,
            leaderboards, mmlu, humaneval, swe bench, gpqa, aime, contamination, benchmark,
            benchmarks, long context, context window, multilingual, capability, capabilities""",
        2: """gpt, openai, claude, anthropic, gemini, sonnet, opus, haiku, grok, xai, behind,
            ahead, trail, lag, compare, comparison, versus, match, outperform, beat, better,
            worse, edge, advantage, weakness, weaknesses, limitation, limitations, shortcoming,
            quality, reasoning, math, coding, code generation, hallucinate, factual, instruction
            following, knowledge, creative writing, summarization, translation, german,
            languages, non english, multimodal, vision, image, images, audio, speech, api,
            commercial, replace, switch, switching, complex, difficult, hard problems, score,
            scores, eval, evals, intelligence, smart, smarter, level, performance""",
        1: """close, closing, difference, enterprise, chatbot, accuracy, reliable, consistent,
            70b, 8b, size, parameters, larger models, subscription""",
    },
    "bias": {
        3: """bias, biased, debias, debiasing, fairness, unfair, discrimination, discriminatory,
            discriminate, stereotype, stereotypes, stereotyped, prejudice, censorship, censor,
            tiananmen, taiwan, xinjiang, uyghur, tibet, propaganda, narrative, narratives, state
            media, refuse, refusal, alignment, aligned, rlhf, dpo, toxicity, toxic, hate speech,
            red team, guardrails, guardrail, jailbreak, jailbreaking, sycophancy, sycophantic,
            llama guard, responsible ai, ethics, ethical, harmful, uncensored, abliterated,
            gender, racial, racism, racist, sexism, sexist, ethnicity, minority, minorities,
            political, values, culture, cultural, training data""",
        2: """ideology, ideological, partisan, neutral, neutrality, worldview, value system,
            moral, morals, norms, western values, english centric, representation,
            underrepresented, diversity, inclusive, women, race, religion, religious, skin, age,
            disability, lgbtq, safety, safe, harm, harms, filter, filtered, content filter,
            moderation, audit, auditing, transparency, explainability, accountability,
            trustworthy, trust, dataset, datasets, data curation, skewed, imbalance, imbalanced,
            annotators, mitigate, mitigation, detect, measure, hiring, recruiting, loan, credit
            scoring, sensitive topics, controversial, answers, persona, system prompt, aiact""",
        1: """english, perspective, perspectives, fair, human feedback, preference, labels,
            labeling, evaluation, objective, truth, misinformation, disinformation,
            manipulation, influence, users, society, social, people""",
    },
    "agents": {
        3: """agent, agents, agentic, multiagent, toolcall, mcp, a2a, langchain, langgraph,
            llamaindex, crewai, autogen, smolagents, pydantic ai, semantic kernel, openai
            agents, orchestration, orchestrator, autonomous, autonomy, plateau, diminishing
            returns, scalinglaw, scaling, coding agent, claude code, cursor, devin, codex,
            aider, copilot, computer use, browser use, operator, agi, superintelligence,
            humanloop, testtime, workflow, workflows, hype, overhyped""",
        2: """tool, tools, automation, automate, automated, planning, planner, multi step, steps,
            loop, loops, react, reflection, memory, long running, assistant, assistants,
            sandbox, execution, execute actions, api access, permissions, bubble, wall, demo,
            demos, prototype, real world, slowdown, slowed, slowing, stall, stalling, stagnate,
            stagnation, flatten, flattening, level off, saturate, saturation, progress, paradigm
            shift, fundamental shift, shift, revolution, next big thing, improvements, reasoning
            models, inference time compute, compute, jobs, replace developers, developers,
            future of work, productivity, vibe coding, framework, frameworks, reliability,
            reliably, failure, failures, error recovery, supervision, approval, browse,
            delegation""",
        1: """long, minutes, systems, system, actions, decisions, integrate, integration,
            pipeline, chain, graph, state machine, exponential, saturating, returns, limits""",
    },
    "deployment": {
        3: """deploy, deployment, deployed, production, selfhost, serving, serve, inference, vllm,
            ollama, llamacpp, tgi, text generation inference, sglang, tensorrt, triton, lm
            studio, mlx, onnx, gguf, exllama, kubernetes, k8s, docker, hardware, gpu, gpus,
            vram, cuda, quantization, quantize, quantized, awq, gptq, lora, qlora, peft,
            finetune, rag, vector database, embeddings, gdpr, dsgvo, data protection,
            sovereignty, sovereign, hyperscaler, hyperscalers, aws, azure, gcp, google cloud,
            stackit, ionos, ovh, scaleway, hetzner, open telekom cloud, data residency, mlops,
            llmops, latency, throughput, tokens per second, kv cache, batching, cloud""",
        2: """host, hosting, hosted, on premise, local, locally, laptop, laptops, edge, mobile,
            raspberry pi, mac, apple silicon, cpu, cpus, memory, cluster, nodes, cost, costs,
            price, pricing, budget, cheap, expensive, per token, tco, roi, infrastructure,
            infra, stack, setup, monitoring, observability, logging, versioning, rollout, roll
            out, upgrade, regression, ci cd, pipeline, scale, scalability, concurrent users,
            requests, users, customers, employees, sla, uptime, europe, european, eu,
            compliance, compliant, regulation, regulated, privacy, vendor lock in, lock in,
            dependency, providers, provider, instances, api keys, adapter, retrieval, knowledge
            base, chunking, grounding, domain, domain specific, domain expertise, talent,
            skills, small company, startup, sme, distill, smaller models, small models, slm,
            4bit, 8bit, hosted apis, prompt engineering, offline, air gapped, self hosting""",
        1: """run, running, team, teams, company, companies, build, build vs buy, buy, practical,
            strategy, strategies, germany, enterprise, customer, data, ops, maintain,
            maintenance, engineers, hire, hiring engineers""",
    },
}

OTHER: dict[int, str] = {
    3: """slides, slide deck, deck, recording, recorded, video, youtube, livestream, book, books,
        edition, chapter, course, courses, bootcamp, career, careers, conference, pycon, pydata,
        sprint, sprints, lunch, coffee, dinner, party, wifi, venue, keynote, blog, twitter,
        linkedin, mastodon, bluesky, autograph, stickers, swag, ide, editor, vim, emacs, hobby,
        hobbies, datascience, data science, machine learning course""",
    2: """panel, workshop, schedule, friday, saturday, tomorrow, tonight, afterwards, python,
        library, libraries, favorite, favourite, meet, met, background, personal, phd,
        university, beginner, beginners, learn, learning, study, tips, advice, resources,
        reading, read, papers, paper, follow, news, job, jobs interview, salary, day, daily,
        routine, mentor, started, inspire, inspiration""",
    1: """talk, session, recommend, start, getting started, time, week, weekly, every day, next
        year, fun, love, enjoy, weekend""",
}

# Questions about the event rather than its subject, the same at any talk: the semantic
# signal's picture of "other" (a question close to one of these is not about a segment).
OTHER_EXAMPLES = (
    "Will the slides be shared after the talk?",
    "Is this session recorded, and where can I watch the video?",
    "Which book would you recommend to learn more?",
    "Are you hiring?",
    "Where and when is the next session?",
    "Could you speak louder, we can't hear in the back?",
    "How did you get started in your career?",
    "Is there coffee or lunch after this?",
    "How can I contact you or follow you online?",
)
